import ArgumentParser
import Foundation
import UffdModel

/// `patchlab sim`: runs the vm_uffd_ops model (scenarios, matrix, header, list, own scripts).
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the vm_uffd_ops model: scenarios under a design, the matrix, headers, or your own script.")

    @Option(name: .long, help: "PRESET[,knob=value...] (presets: D0 P2 P4 L1 M; see --list).")
    var design: String?

    @Option(name: .long, help: "Scenario id (S1…S22, C1…); default: all.")
    var scenario: String?

    @Flag(name: .long, help: "JSON output.")
    var json = false

    @Flag(name: .long, help: "Every scenario under every preset.")
    var matrix = false

    @Flag(name: .long, help: "Print the C declarations the design would write.")
    var header = false

    @Flag(name: .long, help: "List presets, knobs (values, Message-IDs), drivers and scenarios.")
    var list = false

    @Option(name: .long, help: "Run your own scenario script.")
    var script: String?

    @Flag(name: .long, help: "Exit 1 when any warning was raised.")
    var strict = false

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("patchlab sim: \(message)\n".utf8))
        return ExitCode(2)
    }

    func run() throws {
        var chosen: Design?
        if let spec = design {
            do { chosen = try Design.parse(spec) } catch { throw fail("\(error)") }
        }
        let out = FileHandle.standardOutput
        if list {
            out.write(Data(SimRendering.list().utf8))
            return
        }
        if header {
            out.write(Data(HeaderRenderer.render(chosen ?? Design(preset: .D0)).utf8))
            return
        }
        var runs: [RunResult] = []
        if let path = script {
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read") }
            do {
                runs = [try Simulator.run(script: String(decoding: data, as: UTF8.self), design: chosen)]
            } catch {
                throw fail("\(path): \(error)")
            }
        } else if matrix {
            runs = Simulator.matrix(designs: chosen.map { [$0] } ?? Preset.allCases.map { Design(preset: $0) })
        } else {
            let d = chosen ?? Design(preset: .D0)
            var scenarios = Catalog.scenarios
            if let id = scenario {
                guard let s = Catalog.scenario(id) else { throw fail("unknown scenario '\(id)'") }
                scenarios = [s]
            }
            var checker = LockChecker()
            runs = scenarios.map { Simulator.run($0, design: d, checker: &checker) }
        }
        let text: String
        if json {
            text = SimRendering.json(runs, array: matrix || runs.count != 1 || (script == nil && scenario == nil))
        } else if matrix {
            text = SimRendering.matrixTable(runs)
        } else {
            text = runs.map { SimRendering.human($0) }.joined(separator: "\n")
        }
        out.write(Data(text.utf8))
        if strict && runs.contains(where: { !$0.warnings.isEmpty }) { throw ExitCode(1) }
    }
}
