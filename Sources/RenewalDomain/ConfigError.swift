/// A problem in a configuration file (project, rules, radii, walkability, weights): the file, the
/// line and key when known, and what is wrong with the nearest valid names where they help. Every
/// configuration reader throws this one type, so a command or a script handles them alike (exit code
/// 65, bad input).
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based line of the offending key or value, when the reader knows it.
    public var line: Int?
    /// The key (dotted path) at fault, when there is one.
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    public var description: String { "\(file)\(line.map { " line \($0)" } ?? ""): \(message)" }
}

/// A problem in a rules file (conflict rules and conversion lists).
public typealias RulesError = ConfigError
/// A problem in a service-radius table.
public typealias RadiiError = ConfigError
/// A problem in a walkability table.
public typealias WalkabilityError = ConfigError
