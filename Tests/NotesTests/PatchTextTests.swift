import Foundation
import MailCore
import Notes
import Testing
import TestSupport

@Suite struct PatchTextTests {
    struct LineCase: CustomTestStringConvertible, Sendable {
        var path: String
        var side: DiffSide
        var line: Int
        var raw: String
        var testDescription: String { "\(path):\(side.rawValue):\(line)" }
    }

    /// Line numbers worked out by hand from the `@@` headers of v2 1/4.
    static let lines: [LineCase] = [
        LineCase(path: "include/linux/mm.h", side: .new, line: 579, raw: "+struct vm_uffd_ops;"),
        LineCase(path: "include/linux/mm.h", side: .old, line: 578, raw: " "),
        LineCase(path: "include/linux/mm.h", side: .new, line: 658, raw: "+#ifdef CONFIG_USERFAULTFD"),
        LineCase(path: "include/linux/mm.h", side: .new, line: 663, raw: "+\tconst struct vm_uffd_ops *userfaultfd_ops;"),
        LineCase(path: "include/linux/mm.h", side: .old, line: 656, raw: " };"),
        LineCase(path: "include/linux/userfaultfd_k.h", side: .new, line: 103, raw: "+\tunsigned long uffd_features;"),
        LineCase(path: "include/linux/userfaultfd_k.h", side: .new, line: 117, raw: "+\tunsigned long uffd_ioctls;"),
    ]

    @Test(arguments: lines)
    func lineNumbersFollowTheHunkHeaders(_ c: LineCase) throws {
        let messages = try Fixture.v2Messages()
        let patch = PatchText(message: try #require(messages.first { $0.messageId == Fixture.patch1Id }))
        let loc = try #require(patch.locate(path: c.path, side: c.side, line: c.line))
        let file = try #require(patch.file(c.path))
        #expect(file.hunks[loc.hunk].lines[loc.line].raw == c.raw)
    }

    @Test func hunkCountsMatchTheirHeaders() throws {
        let messages = try Fixture.v2Messages()
        for m in messages where m.subject.hasPrefix("[PATCH v2") && !m.subject.contains(" 0/4") {
            let patch = PatchText(message: m)
            #expect(!patch.files.isEmpty, "no diff found in \(m.subject)")
            for f in patch.files {
                for h in f.hunks {
                    let old = h.lines.filter { $0.oldLine != nil }.count
                    let new = h.lines.filter { $0.newLine != nil }.count
                    #expect(old == h.oldCount && new == h.newCount, "\(f.path) \(h.header)")
                }
            }
        }
    }

    @Test func patchFilesMatchGitApplyNumstat() throws {
        guard Tool.available("git") else { return }
        let messages = try Fixture.v2Messages()
        let m = try #require(messages.first { $0.messageId == Fixture.patch1Id })
        let r = try Tool.run("git", ["apply", "--numstat", "-"], stdin: Data(m.body.utf8))
        try #require(r.status == 0, "git apply: \(r.stderrText)")
        let patch = PatchText(message: m)
        let ours = patch.files.map { f in
            let added = f.hunks.flatMap(\.lines).filter { $0.raw.hasPrefix("+") }.count
            let removed = f.hunks.flatMap(\.lines).filter { $0.raw.hasPrefix("-") }.count
            return "\(added)\t\(removed)\t\(f.path)"
        }
        #expect(ours == r.stdoutText.split(separator: "\n").map(String.init))
    }

    @Test func fingerprintIgnoresTrailingBlanksButNotText() {
        let a = LineFingerprint(hunkLines: [" a", "+b", " c"], at: 1)
        let b = LineFingerprint(hunkLines: [" a  ", "+b\t", " c"], at: 1)
        let c = LineFingerprint(hunkLines: [" a", "+B", " c"], at: 1)
        let d = LineFingerprint(hunkLines: [" x", "+b", " c"], at: 1)
        #expect(a == b)
        #expect(a.line != c.line)
        #expect(a.line == d.line && a.context != d.context)
    }
}
