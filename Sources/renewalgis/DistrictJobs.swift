import Foundation
import RenewalRunner
import Synchronization

/// `run --each-district`: one `renewalgis run PROJECT --district CODE` process per district, `jobs`
/// at a time, each writing its log beside the report (`<report>_<code>.log`). Every district job is
/// a stateless process against the shared store, so a scheduler (Kubernetes Jobs, Slurm, a shell
/// loop) can run the same commands on other machines; this is the one-machine scheduler.
enum DistrictJobs {
    struct Finished: Sendable {
        var code: String
        var status: Int32
        var seconds: Double
        var log: String
    }

    /// The district processes failed: which, with the last line each wrote.
    struct Failure: Error, CustomStringConvertible {
        var failed: [Finished]
        var description: String {
            "\(failed.count) district run(s) failed: " + failed.map { f in
                let last = (try? String(contentsOfFile: f.log, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
                return "\(f.code) (exit \(f.status); \(f.log): \(last))"
            }.joined(separator: "; ")
        }
    }

    static func run(project: String, report: String, codes: [String], jobs: Int) throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let stem = (report as NSString).deletingPathExtension
        // The next district to start and the districts finished so far, shared by the worker threads.
        let state = Mutex<(next: Int, finished: [Finished])>((0, []))
        let group = DispatchGroup()
        for _ in 0..<min(jobs, codes.count) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let code: String? = state.withLock { state in
                        guard state.next < codes.count else { return nil }
                        state.next += 1
                        return codes[state.next - 1]
                    }
                    guard let code else { return }
                    let log = "\(stem)_\(code).log"
                    let started = Date()
                    let status = runOne(binary, ["run", project, "--district", code], log: log)
                    let done = Finished(code: code, status: status, seconds: Date().timeIntervalSince(started), log: log)
                    state.withLock { state in
                        state.finished.append(done)
                        Terminal.info(String(format: "district %@ %@ in %.2f s (%d of %d; log %@)", code, status == 0 ? "done" : "FAILED (exit \(status))",
                                             done.seconds, state.finished.count, codes.count, log))
                    }
                }
            }
        }
        group.wait()
        let finished = state.withLock { $0.finished }
        print(TextTable.render(header: ["district", "seconds", "exit", "log"],
                               rows: finished.sorted { $0.code < $1.code }.map { [$0.code, String(format: "%.2f", $0.seconds), String($0.status), $0.log] }))
        let failed = finished.filter { $0.status != 0 }
        if !failed.isEmpty { throw Failure(failed: failed.sorted { $0.code < $1.code }) }
    }

    /// Runs the binary with its output in `log`; the exit status (70 when it could not be started).
    static func runOne(_ binary: String, _ arguments: [String], log: String) -> Int32 {
        FileManager.default.createFile(atPath: log, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: log) else { return 74 }
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        do { try process.run() } catch {
            handle.write(Data("renewalgis: error: cannot start \(binary): \(error)\n".utf8))
            return 70
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
