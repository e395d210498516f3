import Testing
import TestSupport

extension Tag {
    /// Golden cases: inputs and expected answers in Tests/Fixtures.
    @Tag static var golden: Self
}

/// Every analysis with golden cases has its folders, each with its expected answer, so a moved or
/// unwritten folder cannot leave an analysis silently untested.
@Suite struct GoldenCaseFolderTests {
    @Test("Every analysis has its golden case folders", .tags(.golden),
          arguments: [("coverage", 6), ("overlay", 3), ("eligibility", 5), ("units", 6)])
    func folders(analysis: String, atLeast: Int) {
        let cases = FixtureFiles.cases(analysis)
        #expect(cases.count >= atLeast, "\(analysis): found \(cases) in \(FixtureFiles.folder(analysis).path)")
    }
}
