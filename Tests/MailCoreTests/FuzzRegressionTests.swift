import Foundation
import Testing
import TestSupport
import MailCore

/// Every input in `fuzz/regressions/mail/` (crashes and hangs found by the libFuzzer harness,
/// plus hand-written probes of the same paths: deep MIME, broken gzip, lying Content-Length,
/// reference cycles, ...) parses to a mailbox whose structure is consistent.
@Suite("Fuzz regressions: mail parser")
struct MailFuzzRegressionTests {
    static let directory = Repo.root.appendingPathComponent("fuzz/regressions/mail")

    static let names: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return all.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func regressionDirectoryIsPopulated() {
        #expect(Self.names.count >= 10, "fuzz/regressions/mail holds \(Self.names.count) files")
    }

    @Test(.timeLimit(.minutes(1)), arguments: names)
    func parsesConsistently(_ name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.directory.appendingPathComponent(name).path))
        let bytes = [UInt8](data)
        let box = MailReader.parse(bytes: bytes, source: name)
        let compressed = bytes.starts(with: [0x1f, 0x8b])

        // Message-IDs are unique after duplicate collapsing.
        let ids = box.messages.map(\.messageId)
        #expect(Set(ids).count == ids.count, "duplicate Message-IDs survive in \(name)")

        // Offsets point into the input (for gzip, into the inflated bytes, so only >= 0).
        for m in box.messages {
            #expect(m.offset >= 0 && m.length >= 0)
            if !compressed { #expect(m.offset + m.length <= bytes.count, "message span past the end in \(name)") }
            for d in m.defects { #expect(d.offset >= 0) }
        }
        for d in box.defects { #expect(d.offset >= 0) }

        // The thread forest holds every message exactly once and nothing else; walking it ends
        // (no cycles), and its depth is bounded by the number of containers.
        var seen = [Int](repeating: 0, count: box.messages.count)
        var containers = 0
        var stack: [(ThreadNode, Int)] = box.threads.map { ($0, 0) }
        while let (node, depth) = stack.popLast() {
            containers += 1
            #expect(depth <= box.messages.count + 1_000, "thread deeper than the input allows in \(name)")
            if containers > 10 * (box.messages.count + 1_000) { break }
            if let i = node.messageIndex {
                #expect(box.messages.indices.contains(i), "thread node points past the messages in \(name)")
                if box.messages.indices.contains(i) {
                    seen[i] += 1
                    #expect(box.messages[i].messageId == node.messageId)
                }
            }
            stack += node.children.map { ($0, depth + 1) }
        }
        #expect(seen.allSatisfy { $0 == 1 }, "messages not threaded exactly once in \(name): \(seen)")
    }
}
