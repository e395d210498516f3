/// Shared meaning of a coverage figure, for every analysis and report that reads one.
public enum CoverageThreshold {
    /// A parcel has a gap in a category when its covered fraction (0…1) is below this: 0.999, so
    /// that slivers left by the 32-gon approximation of a service circle and by rounding along a
    /// shared boundary do not count as gaps (the benchmark peers use the same threshold).
    public static let full = 0.999
}
