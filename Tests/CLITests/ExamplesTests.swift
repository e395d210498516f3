import Foundation
import Testing

/// Every example of README.md (its ```sh blocks) and of every subcommand's `--help`, run by bash
/// exactly as written, in a scratch directory laid out like the repository (GeoData/, Styles/,
/// .build/debug/renewalgis → the binary under test, `renewalgis` on PATH) holding the store
/// `make demo` builds (out/demo.sqlite, from `renewalgis run GeoData/project.yaml`). Each script
/// runs in a network namespace of its own (`unshare -n`), so `serve --port 8080` meets no other
/// server of this machine. `curl` is run with `--fail-with-body`, so an HTTP error fails its example.
/// Not run: `make …`, `swift …` and `bash scripts/…` lines (building, the test and benchmark runs
/// themselves), listed in `skippedCommands` so that no other line is left out unnoticed.
/// Data: GeoData/ (the synthetic sample, CC0, see GeoData/README.md).
@Suite(.serialized) struct ExamplesTests {
    struct Example: CustomStringConvertible {
        var source: String
        var text: String
        var description: String { "\(source): \(text)" }
        var firstWord: String { String(text.split(separator: " ").first ?? "") }
        var isServe: Bool { text.contains(" serve ") }
        var port: String {
            let words = text.split(separator: " ").map(String.init)
            return words.firstIndex(of: "--port").map { words[$0 + 1] } ?? "8080"
        }
    }

    static let skippedCommands: Set<String> = ["make", "swift", "bash"]

    /// Joins lines ending in a backslash with the next one; drops blank lines.
    static func commands(_ lines: [String], source: (Int) -> String) -> [Example] {
        var out: [Example] = []
        var pending = "", start = 0
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty { start = i }
            if line.hasSuffix("\\") {
                pending += line + "\n"
                continue
            }
            pending += line
            // A line that is only a comment (a note under a command) is no example.
            if !pending.trimmingCharacters(in: .whitespaces).isEmpty, !pending.hasPrefix("#") {
                out.append(Example(source: source(start), text: pending))
            }
            pending = ""
        }
        return out
    }

    /// The commands of README.md's ```sh blocks, in order.
    static func readmeExamples() throws -> [Example] {
        let lines = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
            .components(separatedBy: "\n")
        var out: [Example] = []
        var block: [String]? = nil, blockStart = 0
        for (i, line) in lines.enumerated() {
            if block == nil, line.trimmingCharacters(in: .whitespaces) == "```sh" { block = []; blockStart = i + 2; continue }
            if block != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                let start = blockStart
                out += commands(block!) { "README.md line \(start + $0)" }
                block = nil
                continue
            }
            block?.append(line)
        }
        return out
    }

    /// The lines under "Example:"/"Examples:" of a command's --help (unwrapped: COLUMNS=1000).
    static func helpExamples(_ command: [String]) throws -> [Example] {
        let help = try CLI.run(command + ["--help"], environment: ["COLUMNS": "1000"])
        #expect(help.status == 0)
        var lines: [String] = []
        var inside = false
        for line in help.stdout.components(separatedBy: "\n") {
            if ["Example:", "Examples:"].contains(line.trimmingCharacters(in: .whitespaces)) { inside = true; continue }
            if inside {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
                lines.append(line)
            }
        }
        let name = (["renewalgis"] + command).joined(separator: " ")
        return commands(lines) { _ in "\(name) --help" }
    }

    /// The store `make demo` builds, made once (the Makefile's commands: `renewalgis run GeoData/project.yaml`).
    nonisolated(unsafe) static let demo: Result<TemporaryDirectory, CLIError> = {
        do {
            let dir = try scratchDirectory()
            let r = try CLI.run(["run", "GeoData/project.yaml"], directory: dir.url.path)
            guard r.status == 0 else { return .failure(CLIError(message: "make demo's run failed: \(r.stderr)")) }
            return .success(dir)
        } catch { return .failure(CLIError(message: "\(error)")) }
    }()

    /// A directory laid out like the repository: GeoData/ and Styles/ copied, the binary at .build/debug/renewalgis
    /// and as bin/renewalgis; with `store`, out/ of the demo run copied in (and as city.sqlite when `city`).
    static func scratchDirectory(withDemo: Bool = false, city: Bool = false) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let fm = FileManager.default
        for name in ["GeoData", "Styles"] {
            try fm.copyItem(at: repositoryRoot.appendingPathComponent(name), to: dir.url.appendingPathComponent(name))
        }
        for link in [".build/debug", "bin"] {
            try fm.createDirectory(atPath: dir.path(link), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: dir.path(link + "/renewalgis"), withDestinationPath: CLI.binary)
        }
        if withDemo {
            let demo = try ExamplesTests.demo.get()
            try fm.copyItem(atPath: demo.path("out"), toPath: dir.path("out"))
            if city { try fm.copyItem(atPath: demo.path("out/demo.sqlite"), toPath: dir.path("city.sqlite")) }
        }
        return dir
    }

    /// Runs `examples` in order by one bash script in `dir`, each with its status, stdout and stderr.
    static func run(_ examples: [Example], in dir: TemporaryDirectory) throws -> [(example: Example, status: Int32, output: String)] {
        // set -m: each server started in the background is a process group of its own, stopped whole.
        var script = """
            set -m
            ip link set lo up
            cd '\(dir.url.path)'
            export PATH='\(dir.path("bin"))':"$PATH"
            unset COLUMNS
            curl() { command curl --fail-with-body -sS --max-time 120 "$@"; }
            server=""
            stop_server() { if [ -n "$server" ]; then kill -- -"$server" 2>/dev/null; wait "$server" 2>/dev/null; server=""; fi; }
            trap stop_server EXIT
            mkdir -p .results

            """
        for (i, example) in examples.enumerated() {
            let r = ".results/\(i)"
            if example.isServe {
                script += """
                    stop_server
                    { \(example.text)
                    } < /dev/null > \(r).out 2> \(r).err &
                    server=$!
                    for _ in $(seq 1 600); do command curl -s -o /dev/null http://127.0.0.1:\(example.port)/ && break; kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
                    if kill -0 "$server" 2>/dev/null; then echo 0 > \(r).status; else wait "$server"; echo $? > \(r).status; fi

                    """
            } else {
                script += """
                    { \(example.text)
                    } > \(r).out 2> \(r).err
                    echo $? > \(r).status

                    """
            }
        }
        script += "stop_server\n"
        try script.write(toFile: dir.path("examples.sh"), atomically: true, encoding: .utf8)
        let r = try CLI.runTool("/usr/bin/unshare", ["-n", "bash", dir.path("examples.sh")])
        #expect(r.status == 0, "the example script: \(r.stderr)")
        return try examples.indices.map { i in
            let read = { (ext: String) in (try? String(contentsOfFile: dir.path(".results/\(i).\(ext)"), encoding: .utf8)) ?? "" }
            let status = Int32(read("status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            return (examples[i], status, String(read("out").suffix(2000)) + String(read("err").suffix(2000)))
        }
    }

    @Test("Every README example runs as written against the store make demo builds (README: sortby on a field parcels have)")
    func readmeExamplesRunAsWritten() throws {
        let all = try ExamplesTests.readmeExamples()
        let skipped = all.filter { ExamplesTests.skippedCommands.contains($0.firstWord) }
        let examples = all.filter { !ExamplesTests.skippedCommands.contains($0.firstWord) }
        #expect(examples.count >= 30, "README examples found: \(examples.count)")
        #expect(examples.contains { $0.text.contains("coverage --store out/demo.sqlite --mode network") })
        #expect(Set(skipped.map(\.firstWord)).isSubset(of: ["make", "bash"]), "\(skipped)")
        let dir = try ExamplesTests.scratchDirectory(withDemo: true)
        for result in try ExamplesTests.run(examples, in: dir) {
            #expect(result.status == 0, "\(result.example) exited \(result.status): \(result.output)")
        }
    }

    @Test("Every --help example runs as written (serve's filter and sortby on population, which parcels have)")
    func helpExamplesRunAsWritten() throws {
        let commands: [[String]] = [[]] + ["import", "layers", "export", "coverage", "access", "conflicts", "eligibility", "rules", "units", "run", "serve", "tiles"].map { [$0] }
        for command in commands {
            let examples = try ExamplesTests.helpExamples(command)
            #expect(!examples.isEmpty, "renewalgis \(command.joined()) --help has examples")
            // import and the top-level examples build city.sqlite themselves; the others use the demo store as city.sqlite.
            let builds = command.isEmpty || command == ["import"]
            let dir = try ExamplesTests.scratchDirectory(withDemo: true, city: !builds)
            for result in try ExamplesTests.run(examples, in: dir) {
                #expect(result.status == 0, "\(result.example) exited \(result.status): \(result.output)")
            }
        }
    }
}
