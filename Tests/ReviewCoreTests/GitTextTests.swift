import Foundation
import MailCore
import ReviewCore
import Testing
import TestSupport

/// Patches that come without mail: `git log -p` / `git show` output and bare diffs.
@Suite struct GitTextTests {
    /// A scratch repository with a base commit and three patches, authored a minute apart
    /// (`sameSecond`: all in one second, as a rebase leaves them).
    private func repository(sameSecond: Bool) throws -> ScratchDirectory {
        let dir = try ScratchDirectory("patchlab-gitlog")
        func git(_ args: [String], at minute: Int = 0) throws {
            let stamp = "2025-06-27T15:\(String(format: "%02d", sameSecond ? 0 : minute)):00+0000"
            let r = try Tool.run("git", ["-C", dir.url.path] + args,
                                 environment: ["GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
                                               "GIT_AUTHOR_NAME": "Ann Dev", "GIT_AUTHOR_EMAIL": "ann@example.org",
                                               "GIT_COMMITTER_NAME": "Ann Dev", "GIT_COMMITTER_EMAIL": "ann@example.org"])
            #expect(r.status == 0, "git \(args): \(r.stderrText)")
        }
        try git(["init", "-q"])
        try Data("int a;\n".utf8).write(to: dir.file("uffd.c"))
        try git(["add", "."])
        try git(["commit", "-q", "-m", "mm: base"])
        for i in 1...3 {
            let old = try String(contentsOf: dir.file("uffd.c"), encoding: .utf8)
            try Data((old + "int f\(i)(void) { return \(i); }\n").utf8).write(to: dir.file("uffd.c"))
            try git(["commit", "-q", "-a", "-m", "mm/uffd: add f\(i)\n\nAdds f\(i) to the ops table.\n\nSigned-off-by: Ann Dev <ann@example.org>"],
                    at: i)
        }
        return dir
    }

    private func output(_ dir: ScratchDirectory, _ args: [String]) throws -> Mailbox {
        let r = try Tool.run("git", ["-C", dir.url.path] + args)
        #expect(r.status == 0)
        return MailReader.parse(bytes: [UInt8](r.stdout), source: "git")
    }

    @Test(.enabled(if: Tool.available("git"), "git is not installed"),
          arguments: [(["log", "-p", "-3"], false), (["log", "-p", "--reverse", "HEAD~3..HEAD"], false),
                      (["log", "-p", "-3", "--format=fuller"], false), (["log", "-p", "-3"], true)])
    func gitLogReadsAsOneSeriesInCommitOrder(_ args: [String], sameSecond: Bool) throws {
        let dir = try repository(sameSecond: sameSecond)
        defer { dir.remove() }
        let box = try output(dir, args)
        #expect(box.format == .gitLog)
        #expect(box.messages.count == 3)
        #expect(box.messages.allSatisfy { $0.defects.contains { $0.kind == .synthesisedHeaders } })
        #expect(box.messages.allSatisfy { $0.from == Address(name: "Ann Dev", email: "ann@example.org") })
        let review = Review(mailbox: box)
        #expect(review.series.count == 1)
        let patches = review.series.first?.versions.first?.patches ?? []
        #expect(patches.map(\.subject) == ["[PATCH 1/3] mm/uffd: add f1", "[PATCH 2/3] mm/uffd: add f2", "[PATCH 3/3] mm/uffd: add f3"])
        #expect(patches.map(\.commitMessage) == ["Adds f1 to the ops table.", "Adds f2 to the ops table.", "Adds f3 to the ops table."])
        #expect(patches.allSatisfy { $0.trailers.map(\.name) == ["Signed-off-by"] })
        #expect(patches.map { $0.files.first?.hunks.first?.added } == [1, 1, 1])
        if !sameSecond {
            #expect(patches.first?.date == ISO8601DateFormatter().date(from: "2025-06-27T15:01:00Z"))
        }
    }

    /// A merge commit (no patch of its own) stays a message outside the numbered series.
    @Test(.enabled(if: Tool.available("git"), "git is not installed"))
    func mergeCommitsStayOutOfTheSeries() throws {
        let dir = try repository(sameSecond: false)
        defer { dir.remove() }
        func git(_ args: [String], minute: Int) throws {
            let stamp = "2025-06-27T15:0\(minute):00+0000"
            let r = try Tool.run("git", ["-C", dir.url.path] + args,
                                 environment: ["GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
                                               "GIT_AUTHOR_NAME": "Ann Dev", "GIT_AUTHOR_EMAIL": "ann@example.org",
                                               "GIT_COMMITTER_NAME": "Ann Dev", "GIT_COMMITTER_EMAIL": "ann@example.org"])
            #expect(r.status == 0, "git \(args): \(r.stderrText)")
        }
        let main = try Tool.run("git", ["-C", dir.url.path, "rev-parse", "--abbrev-ref", "HEAD"]).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try git(["checkout", "-q", "-b", "side"], minute: 4)
        try Data("int g(void);\n".utf8).write(to: dir.file("side.h"))
        try git(["add", "side.h"], minute: 4)
        try git(["commit", "-q", "-m", "mm/uffd: add side.h"], minute: 4)
        try git(["checkout", "-q", main], minute: 5)
        try git(["merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side"], minute: 5)
        let box = try output(dir, ["log", "-p", "-5"])
        #expect(box.messages.count == 5)
        let merge = box.messages.first { $0.subject == "Merge branch 'side'" }
        #expect(merge != nil && merge?.inReplyTo == nil)
        let review = Review(mailbox: box)
        #expect(review.series.count == 1)
        let version = review.series.first?.versions.first
        #expect(version?.patches.map(\.subject) == ["[PATCH 1/4] mm/uffd: add f1", "[PATCH 2/4] mm/uffd: add f2",
                                                    "[PATCH 3/4] mm/uffd: add f3", "[PATCH 4/4] mm/uffd: add side.h"])
        #expect(version?.missing == [])
    }

    @Test(.enabled(if: Tool.available("git"), "git is not installed"))
    func gitShowIsOnePatch() throws {
        let dir = try repository(sameSecond: false)
        defer { dir.remove() }
        let review = Review(mailbox: try output(dir, ["show", "HEAD"]))
        #expect(review.patches.map(\.subject) == ["[PATCH] mm/uffd: add f3"])
        #expect(review.patches.first?.files.map(\.newPath) == ["uffd.c"])
    }

    /// Every bare diff of the corpus opens as one patch with the files the diff parser finds in
    /// the raw text.
    @Test(arguments: ["python-unidiff/sample0.diff", "python-unidiff/svn.diff", "python-unidiff/hg.diff",
                      "python-unidiff/git_filenames_with_spaces.diff", "python-unidiff/git_cr.diff",
                      "go-gitdiff/string/copy_modify.patch", "public-inbox/solve/bare.patch",
                      "git/t/t4100/t-apply-1.patch", "git/t/t4135/damaged.diff"])
    func bareDiffOpensAsOnePatch(_ file: String) throws {
        let url = Repo.sharedFile("corpus/" + file)
        let box = try MailReader.read(path: url.path)
        #expect(box.format == .bareDiff)
        #expect(box.messages.count == 1)
        #expect(box.messages.first?.defects.contains { $0.kind == .synthesisedHeaders } == true)
        let review = Review(mailbox: box)
        #expect(review.patches.count == 1)
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let direct = DiffParser.parse(text.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(review.patches.first?.files.count == direct.files.count)
        #expect(review.patches.first?.subject.hasPrefix("[PATCH] ") == true)
    }

    /// A series sent in one second and stored newest first still assembles in order.
    @Test func sameSecondSeriesStoredNewestFirst() {
        func patch(_ n: Int) -> Message {
            mail("p\(n)@x", "[PATCH \(n)/3] part \(n)", from: "Ann Dev <ann@example.org>", inReplyTo: n == 1 ? nil : "p1@x",
                 "Part \(n).\n---\ndiff --git a/f\(n) b/f\(n)\n--- a/f\(n)\n+++ b/f\(n)\n@@ -1 +1 @@\n-a\n+b\n")
        }
        let review = ReviewBuilder.build([patch(3), patch(2), patch(1)])
        #expect(review.series.count == 1)
        #expect(review.series.first?.versions.first?.patches.map(\.index) == [1, 2, 3])
    }
}
