import GeoKernel

/// What a store reads (`FeatureSnapshot.page`): which features (boxes, a predicate), in which order,
/// which attribute columns, and which page. Every backend answers it the same way.
public struct FeatureQuery: Sendable {
    /// Only features whose geometry intersects one of these boxes (EPSG:4490): an R*Tree search, then an
    /// exact test, per box. Empty: no box test. (A box across the antimeridian comes as two boxes.)
    public var boxes: [Envelope]
    /// The one box of `boxes` (setting it replaces them).
    public var bbox: Envelope? {
        get { boxes.first }
        set { boxes = newValue.map { [$0] } ?? [] }
    }
    /// Only features for which every one of these predicates holds (ANDed with the boxes).
    public var predicates: [FeaturePredicate]
    /// Sort keys, most significant first; the row id always follows as a tie-breaker, so pages
    /// never skip or repeat features.
    public var sortBy: [SortKey]
    /// Attribute columns to read, in this order; nil reads every column.
    public var columns: [String]?
    /// Features per page.
    public var limit: Int
    /// Matching features to skip, in sort order.
    public var offset: Int

    public init(bbox: Envelope? = nil, boxes: [Envelope] = [], predicates: [FeaturePredicate] = [], sortBy: [SortKey] = [], columns: [String]? = nil,
                limit: Int, offset: Int = 0) {
        self.boxes = (bbox.map { [$0] } ?? []) + boxes; self.predicates = predicates; self.sortBy = sortBy; self.columns = columns
        self.limit = limit; self.offset = offset
    }
}

/// One key of an ORDER BY: an attribute column of the layer, ascending unless `descending`.
public struct SortKey: Sendable, Hashable {
    public var field: String
    public var descending: Bool
    public init(field: String, descending: Bool = false) { self.field = field; self.descending = descending }
}
