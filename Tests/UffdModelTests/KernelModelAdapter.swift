/// Runs scripts through the model (design D0) and turns its step results into the probe's shape,
/// so that both can be compared with `StepComparison`. The model runs in child processes (Swift
/// Testing exit tests): a model that traps on one script costs that script, not the test run.
import Foundation
import Testing
import TestSupport
import UffdModel

/// What the model did with one script.
enum ModelOutcome: Equatable, Sendable {
    case steps([KernelStep])
    case refused(String)
    case crashed
}

enum ModelOracle {
    /// Output fields the kernel itself writes (the model may add its own, e.g. `waited`).
    static let kernelOutputKeys: Set<String> = ["copy", "zeropage", "mapped", "updated", "move", "event", "sigbus"]

    /// The model's steps for `script` under the D0 preset (mainline before the series), in process.
    /// - Throws: the model's `ScriptError` for a script it refuses.
    static func steps(for script: String) throws -> [KernelStep] {
        let run = try Simulator.run(script: script, design: Design.parse("D0"))
        return run.steps.map { step in
            let output = step.output.filter { kernelOutputKeys.contains($0.key) }.mapValues { Int64($0) }
            return KernelStep(op: step.op, line: step.line, result: Int64(step.result),
                              errno: step.errno?.rawValue, ioctls: step.ioctls,
                              output: output.isEmpty ? nil : output)
        }
    }

    /// The differences between kernel and model for one script.
    static func differences(kernel: [KernelStep], model: ModelOutcome) -> [String] {
        switch model {
        case .steps(let steps): return StepComparison.differences(kernel: kernel, model: steps)
        case .refused(let why): return ["the model refused the script: \(why)"]
        case .crashed: return ["the model crashed (trapped) on the script"]
        }
    }

    /// One line of the child's record file.
    private struct Record: Codable {
        var index: Int
        var steps: [KernelStep]?
        var error: String?
    }

    /// Runs the model on every script in child processes, restarting after the script a child
    /// crashed on.
    static func outcomes(for scripts: [String]) async throws -> [ModelOutcome] {
        guard !scripts.isEmpty else { return [] }
        let scratch = try ScratchDirectory("patchlab-model")
        defer { scratch.remove() }
        let input = scratch.file("scripts.json").path
        try JSONEncoder().encode(scripts).write(to: URL(fileURLWithPath: input))
        var results = [ModelOutcome?](repeating: nil, count: scripts.count)
        var start = 0
        var attempt = 0
        while start < scripts.count {
            attempt += 1
            let output = scratch.file("records-\(attempt).txt").path
            FileManager.default.createFile(atPath: output, contents: nil)
            // The child always ends with exit(1), so `.failure` matches both a clean end and a trap
            // and no issue is recorded here; the record file tells them apart.
            await #expect(processExitsWith: .failure) {
                [input = input as String, output = output as String, start = start as Int] in
                ModelOracle.childRun(input: input, output: output, start: start)
                exit(1)
            }
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            var begun: Int?
            var finished = false
            for line in text.split(separator: "\n") {
                if line.hasPrefix("S ") {
                    begun = Int(line.dropFirst(2))
                } else if line == "DONE" {
                    finished = true
                } else if let record = try? JSONDecoder().decode(Record.self, from: Data(line.utf8)) {
                    results[record.index] = record.steps.map(ModelOutcome.steps) ?? .refused(record.error ?? "?")
                    begun = nil
                }
            }
            if finished { break }
            // The child died inside script `begun` (or before starting: then blame `start`).
            let crashed = begun ?? start
            results[crashed] = .crashed
            start = crashed + 1
        }
        return results.map { $0 ?? .crashed }
    }

    /// The child side: runs scripts from `start`, writing a start marker before each one so that a
    /// trap can be attributed.
    static func childRun(input: String, output: String, start: Int) {
        guard let data = FileManager.default.contents(atPath: input),
              let scripts = try? JSONDecoder().decode([String].self, from: data),
              let handle = FileHandle(forWritingAtPath: output) else { return }
        let encoder = JSONEncoder()
        for index in start..<scripts.count {
            handle.write(Data("S \(index)\n".utf8))
            var record = Record(index: index)
            do {
                record.steps = try steps(for: scripts[index])
            } catch {
                record.error = "\(error)"
            }
            if let line = try? encoder.encode(record) {
                handle.write(line + Data("\n".utf8))
            }
        }
        handle.write(Data("DONE\n".utf8))
    }
}
