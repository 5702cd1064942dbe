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

    static let corpusDiffs = [
        "corpus/python-unidiff/git_cr.diff", "corpus/python-unidiff/git_filenames_with_spaces.diff",
        "corpus/python-unidiff/git_quoted_filename.diff", "corpus/python-unidiff/hg.diff",
        "corpus/python-unidiff/sample0.diff", "corpus/python-unidiff/svn.diff",
        "corpus/git/t/t4100/t-apply-1.patch", "corpus/git/t/t4100/t-apply-3.patch",
        "corpus/go-gitdiff/one_file.patch", "corpus/go-gitdiff/two_files.patch",
    ]

    /// Files, paths and line counts agree with `git apply --numstat -z` (live) on real diffs.
    @Test(arguments: corpusDiffs)
    func corpusDiffsMatchGitApplyNumstat(_ relative: String) throws {
        guard Tool.available("git") else {
            Issue.record("git is not installed")
            return
        }
        let url = Repo.sharedFile(relative)
        let r = try Tool.run("git", ["apply", "--numstat", "-z", url.path])
        try #require(r.status == 0, "git apply: \(r.stderrText)")
        let expected = r.stdoutText.split(separator: "\0").map(String.init)
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let patch = PatchText(messageId: "x", body: text)
        let ours = patch.files.map { f in
            let lines = f.hunks.flatMap(\.lines)
            // The review keeps an absolute name as python-unidiff does (`/path/to/x`, pinned by
            // ReviewCore's tests); `git apply -p1` prints it without the leading slash.
            let path = f.path.hasPrefix("/") ? String(f.path.dropFirst()) : f.path
            return "\(lines.filter { $0.raw.hasPrefix("+") }.count)\t\(lines.filter { $0.raw.hasPrefix("-") }.count)\t\(path)"
        }
        #expect(ours == expected)
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
