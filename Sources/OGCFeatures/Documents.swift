import Foundation
import GeoKernel

/// A link of a document (OGC API – Features Part 1, 7.3.4): where, how it relates, its media type, a title.
public struct Link: Sendable, Equatable, Encodable {
    public var href: String
    public var rel: String
    public var type: String
    public var title: String

    public init(_ href: String, rel: String, type: String, title: String) {
        self.href = href; self.rel = rel; self.type = type; self.title = title
    }
}

/// The landing page (`/`): what the service is and links to the rest.
public struct LandingPage: Sendable, Encodable {
    public var title: String
    public var description: String
    public var links: [Link]
}

/// The conformance declaration (`/conformance`).
public struct ConformanceDeclaration: Sendable, Encodable {
    public var conformsTo: [String]
}

/// One collection (a store layer) as `/collections` and `/collections/{id}` describe it.
public struct CollectionDescription: Sendable, Encodable {
    public var id: String
    public var title: String
    public var itemType = "feature"
    public var description: String
    /// The CRSs features can be served in (Part 2), as URIs.
    public var crs: [String]
    public var storageCrs: String
    public var links: [Link]
    public var extent: Extent?

    public struct Extent: Sendable, Encodable {
        public var spatial: Spatial?
        public var temporal: Temporal?
    }

    /// The layer's bounding box in CRS84 (lon/lat degrees).
    public struct Spatial: Sendable, Encodable {
        public var bbox: [[Double]]
        public var crs: String
    }

    /// From the first to the last instant of the layer's temporal field, RFC 3339 (nil: open).
    public struct Temporal: Sendable, Encodable {
        public var interval: [[String?]]
        public var trs: String
        public var description: String
    }
}

/// `/collections`: every layer of the store.
public struct CollectionList: Sendable, Encodable {
    public var links: [Link]
    public var collections: [CollectionDescription]
}

/// `/collections/{id}/queryables`: a JSON Schema (2020-12) of what filters may name.
public struct Queryables: Sendable, Encodable {
    public var schema = "https://json-schema.org/draft/2020-12/schema"
    public var id: String
    public var type = "object"
    public var title: String
    public var description: String
    /// Each queryable's schema: its title, JSON type and format, and its role (`x-ogc-role`).
    public var properties: [String: JSONValue]
    public var additionalProperties = false

    enum CodingKeys: String, CodingKey {
        case schema = "$schema", id = "$id", type, title, description, properties, additionalProperties
    }
}

/// The OGC exception document of a failed request: a code and a description.
public struct ExceptionDocument: Sendable, Encodable {
    public var code: String
    public var description: String
    public init(code: String, description: String) { self.code = code; self.description = description }
}
