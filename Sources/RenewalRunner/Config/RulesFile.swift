import RenewalAnalysis
import RenewalDomain

/// The rules a plan check uses: a user's rules file, or the built-in `DefaultRules`, both read by
/// `ConfigFile` into a `RuleSet`.
public enum RulesFile {
    /// Reads the rules file at `path` (YAML or JSON in the format of `DefaultRules.yaml`), or the
    /// default rules when `path` is nil. Errors are `ConfigError`s naming the file, line and key.
    public static func load(_ path: String?) throws -> RuleSet {
        guard let path else { return try ConfigFile.decode(RuleSet.self, text: DefaultRules.yaml, file: "default rules") }
        return try ConfigFile.decode(RuleSet.self, from: path)
    }
}
