/// Differential testing: seeded random single-thread scripts run on the live kernel (through
/// `uffd-probe`) and through the model's D0 preset must agree on every step's errno, output
/// fields and ioctls mask. A disagreement is reported as the shortest script that still shows it.
import Foundation
import Testing
import TestSupport

/// One kind of disagreement, with the shortest script found for it.
struct Disagreement: CustomStringConvertible, Sendable {
    var seed: UInt64
    var kind: String
    var differences: [String]
    var shortest: String
    var description: String {
        "\(kind) (seed \(seed)): \(differences.joined(separator: "; "))\n--- shortest script ---\n\(shortest)"
    }
}

/// Kernel-vs-model comparison over batches of scripts.
enum Differential {
    /// Differences per script: kernel steps (probe) against model outcomes (isolated).
    static func compare(_ scripts: [String], probe: KernelProbe) async throws
        -> [(run: KernelRun, differences: [String])] {
        let runs = try probe.runBatch(scripts)
        let models = try await ModelOracle.outcomes(for: scripts)
        return zip(runs, models).map { run, model in
            (run, run.ran ? ModelOracle.differences(kernel: run.steps, model: model) : [])
        }
    }

    /// `line 7 copy: kernel EEXIST, model ok` -> `copy: kernel EEXIST, model ok`, with byte
    /// counts folded (`copy=N`) but errno names and masks kept.
    static func kindOf(_ difference: String) -> String {
        var rest = difference
        if difference.hasPrefix("line "), let space = difference.dropFirst(5).firstIndex(of: " ") {
            rest = String(difference[difference.index(after: space)...])
        }
        return rest.replacingOccurrences(of: "=-?[0-9]+", with: "=N", options: .regularExpression)
    }

    /// The shortest script (dropping lines) that still shows a difference of `kind`.
    static func shrink(_ script: String, kind: String, probe: KernelProbe) async throws -> (String, [String]) {
        let shortest = try await ScriptShrinker.shrink(script) { batch in
            try await compare(batch, probe: probe).map { pair in
                pair.run.ran && pair.differences.contains { kindOf($0) == kind }
            }
        }
        let final = try await compare([shortest], probe: probe).first?.differences ?? []
        return (shortest, final)
    }
}

@Suite struct KernelDifferentialTests {
    static let scriptCount = 2000
    static let baseSeed: UInt64 = 0x5EED_0000
    /// At most this many kinds of disagreement are shrunk (each costs a few batches).
    static let shrinkLimit = 10

    @Test func modelD0AgreesWithTheKernelOnRandomScripts() async throws {
        guard case .success(let probe) = KernelProbeFixture.probe else {
            if case .failure(let why) = KernelProbeFixture.probe { print("skipped: \(why.reason)") }
            return
        }
        // With huge pages reserved, hugetlb joins the mix; without, the run says so and goes on.
        let (value, skipped) = try await HugePagePool.shared.reserving(16) {
            try await Self.run(probe: probe, hugetlb: true)
        }
        var outcome = value
        if let skipped {
            print("hugetlb left out: \(skipped)")
            outcome = try await Self.run(probe: probe, hugetlb: false)
        }
        let result = try #require(outcome)
        let release = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        print("Linux \(release) vs model D0: "
              + "\(result.agreed) of \(Self.scriptCount) random scripts agreed; "
              + "\(result.disagreeing) disagreed (\(result.disagreements.count) kinds); "
              + "\(result.refused.count) refused by the probe")
        #expect(result.refused.isEmpty, "the probe refused generated scripts: \(result.refused.prefix(3))")
        for d in result.disagreements {
            Issue.record("model D0 disagrees with the kernel: \(d)")
        }
    }

    struct Outcome: Sendable {
        var agreed: Int
        var disagreeing: Int
        var refused: [String]
        var disagreements: [Disagreement]
    }

    /// Runs every script, compares, and shrinks one representative per kind of disagreement.
    static func run(probe: KernelProbe, hugetlb: Bool) async throws -> Outcome {
        let generator = KernelScriptGenerator(includeHugetlb: hugetlb)
        let seeds = (0..<UInt64(scriptCount)).map { baseSeed + $0 }
        let scripts = seeds.map { generator.script(seed: $0) }
        let compared = try await Differential.compare(scripts, probe: probe)
        try #require(compared.count == scripts.count)
        var outcome = Outcome(agreed: 0, disagreeing: 0, refused: [], disagreements: [])
        var seenKinds: Set<String> = []
        for (index, pair) in compared.enumerated() {
            guard pair.run.ran else {
                outcome.refused.append("seed \(seeds[index]): \(pair.run.note ?? "exit \(pair.run.exitStatus)")")
                continue
            }
            guard let first = pair.differences.first else {
                outcome.agreed += 1
                continue
            }
            outcome.disagreeing += 1
            let kind = Differential.kindOf(first)
            guard seenKinds.insert(kind).inserted, seenKinds.count <= shrinkLimit else { continue }
            let (shortest, differences) = try await Differential.shrink(scripts[index], kind: kind, probe: probe)
            outcome.disagreements.append(Disagreement(seed: seeds[index], kind: kind,
                                                      differences: differences, shortest: shortest))
        }
        return outcome
    }
}

/// The hand-written kernel cases of `KernelProbeTests`, predicted by the model's D0 preset.
@Suite struct KernelModelAgreementTests {
    @Test func modelD0PredictsTheHandWrittenKernelCases() async throws {
        guard case .success(let probe) = KernelProbeFixture.probe else { return }
        let plain = (kernelScenarioCases + kernelMaskCases).filter { !$0.hugetlb }
        let huge = (kernelScenarioCases + kernelMaskCases).filter { $0.hugetlb }
        var checked = try await Self.check(plain, probe: probe)
        let (count, skipped) = try await HugePagePool.shared.reserving(8) {
            try await Self.check(huge, probe: probe)
        }
        if let skipped { print("hugetlb cases left out: \(skipped)") }
        checked += count ?? 0
        #expect(checked > 0)
    }

    static func check(_ cases: [KernelCase], probe: KernelProbe) async throws -> Int {
        let compared = try await Differential.compare(cases.map(\.script), probe: probe)
        for (c, pair) in zip(cases, compared) {
            #expect(pair.run.ran, "probe refused \(c.name): \(pair.run.note ?? "")")
            for difference in pair.differences {
                Issue.record("\(c.name): \(difference)")
            }
        }
        return compared.count
    }
}
