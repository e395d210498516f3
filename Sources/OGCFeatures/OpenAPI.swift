/// The parts of an OpenAPI 3.0 document this service writes, as typed values; JSON Schemas inside it
/// are `JSONValue`s.
public enum OpenAPI {
    public struct Document: Sendable, Encodable {
        public var openapi = "3.0.3"
        public var info: Info
        public var servers: [Server]
        public var paths: [String: PathItem]
        public var components: Components
    }

    public struct Info: Sendable, Encodable {
        public var title: String
        public var version: String
        public var description: String
    }

    public struct Server: Sendable, Encodable {
        public var url: String
    }

    /// A path: every path served answers GET (and HEAD, which OpenAPI 3.0 does not list separately).
    public struct PathItem: Sendable, Encodable {
        public var get: Operation
        public init(get: Operation) { self.get = get }
    }

    public struct Operation: Sendable, Encodable {
        public var operationId: String
        public var summary: String
        public var parameters: [Parameter]
        /// By status code (`"200"`, `"404"`, …).
        public var responses: [String: Response]

        public init(operationId: String, summary: String, parameters: [Parameter], responses: [String: Response]) {
            self.operationId = operationId; self.summary = summary; self.parameters = parameters; self.responses = responses
        }
    }

    /// A parameter written in place, or a reference to one of `components.parameters`.
    public enum Parameter: Sendable, Encodable {
        case inline(ParameterObject)
        case reference(String)

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .inline(let object): try object.encode(to: encoder)
            case .reference(let name): try (["$ref": "#/components/parameters/\(name)"] as [String: String]).encode(to: encoder)
            }
        }
    }

    public struct ParameterObject: Sendable, Encodable {
        public var name: String
        /// `path` or `query`.
        public var location: String
        public var required: Bool
        public var style: String?
        public var explode: Bool?
        public var schema: JSONValue
        public var description: String?

        enum CodingKeys: String, CodingKey { case name, location = "in", required, style, explode, schema, description }

        public init(name: String, location: String, required: Bool, style: String? = nil, explode: Bool? = nil, schema: JSONValue,
                    description: String? = nil) {
            self.name = name; self.location = location; self.required = required; self.style = style; self.explode = explode
            self.schema = schema; self.description = description
        }

        /// A query parameter; `form` style not exploded (comma-separated lists) when `list`.
        public static func query(_ name: String, _ schema: JSONValue, _ description: String? = nil, list: Bool = false) -> Parameter {
            .inline(ParameterObject(name: name, location: "query", required: false, style: list ? "form" : nil, explode: list ? false : nil,
                                    schema: schema, description: description))
        }

        /// A required path parameter of type string.
        public static func path(_ name: String, _ description: String) -> Parameter {
            .inline(ParameterObject(name: name, location: "path", required: true, schema: ["type": "string"], description: description))
        }
    }

    public struct Response: Sendable, Encodable {
        public var description: String
        /// By media type.
        public var content: [String: MediaType]?

        public init(description: String, content: [String: MediaType]? = nil) { self.description = description; self.content = content }

        /// A response whose body, in `type`, follows `schema`.
        public static func body(_ description: String, _ type: String, schema: JSONValue) -> Response {
            Response(description: description, content: [type: MediaType(schema: schema)])
        }

        /// A response whose body, in `type`, is the component schema `name`.
        public static func body(_ description: String, _ type: String = "application/json", component name: String) -> Response {
            body(description, type, schema: ["$ref": .string("#/components/schemas/\(name)")])
        }
    }

    public struct MediaType: Sendable, Encodable {
        public var schema: JSONValue
        public init(schema: JSONValue) { self.schema = schema }
    }

    public struct Components: Sendable, Encodable {
        public var parameters: [String: Parameter]
        public var schemas: [String: JSONValue]
    }
}
