import Foundation
import Testing
import MailCore
import ReviewCore
import TestSupport

/// python-unidiff, when importable, as a live oracle.
enum Unidiff {
    static let available: Bool = {
        guard Tool.available("python3"),
              let r = try? Tool.run("python3", ["-c", "import unidiff"]) else { return false }
        return r.status == 0
    }()

    /// Per file: (path, hunk count, added, removed), as python-unidiff reads the file.
    static func files(_ url: URL) throws -> [[String: Any]] {
        let script = """
        import unidiff, json, sys
        p = unidiff.PatchSet(open(sys.argv[1], newline='').read())
        print(json.dumps([{"path": f.path, "hunks": len(f), "added": f.added, "removed": f.removed} for f in p]))
        """
        let r = try Tool.run("python3", ["-c", script, url.path])
        let json = try JSONSerialization.jsonObject(with: r.stdout)
        return json as? [[String: Any]] ?? []
    }
}

/// `git apply --numstat`: per file (added, removed), in order.
func gitNumstat(_ text: String) throws -> [(Int?, Int?)]? {
    let dir = try ScratchDirectory("patchlab-numstat")
    defer { dir.remove() }
    let file = dir.file("body.patch")
    try Data(text.utf8).write(to: file)
    let r = try Tool.run("git", ["apply", "--numstat", file.path], cwd: dir.url)
    guard r.status == 0 else { return nil }
    return r.stdoutText.split(separator: "\n").map { line in
        let parts = line.split(separator: "\t")
        return (Int(parts.first ?? ""), parts.count > 1 ? Int(parts[1]) : nil)
    }
}

@Suite struct DiffParserTests {
    static let unidiffSamples = Repo.sharedFiles(under: "corpus/python-unidiff").map { $0.lastPathComponent }

    /// A diff line is 24 bytes (a patch has hundreds of thousands), and lines cut from one body
    /// read back their own text whatever is done to the copies.
    @Test func diffLinesAreSmallAndShareTheirBody() throws {
        #expect(MemoryLayout<DiffLine>.stride == 24)
        let body = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n ctx é\n-old\n+new\n"
        let result = DiffParser.parse(body)
        let lines = try #require(result.files.first?.hunks.first?.lines)
        #expect(lines.map(\.diffText) == [" ctx é", "-old", "+new"])
        var edited = lines
        edited[1].text = "changed"
        #expect(edited[1].diffText == "-changed")
        #expect(lines[1].diffText == "-old")
        #expect(edited[0] == lines[0] && edited[2] == lines[2] && edited[1] != lines[1])
    }

    @Test(.enabled(if: Unidiff.available, "python3 -c 'import unidiff' failed: pip install unidiff to run this oracle"),
          arguments: unidiffSamples)
    func filesHunksAndCountsMatchPythonUnidiff(_ name: String) throws {
        let url = Repo.sharedFile("corpus/python-unidiff/\(name)")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let mine = DiffParser.parse(text).files
        let theirs = try Unidiff.files(url)
        #expect(mine.count == theirs.count)
        for (m, t) in zip(mine, theirs) {
            #expect(m.hunks.count == t["hunks"] as? Int, "\(name) \(m.path)")
            #expect(m.added == t["added"] as? Int, "\(name) \(m.path)")
            #expect(m.removed == t["removed"] as? Int, "\(name) \(m.path)")
            if let p = t["path"] as? String, !p.hasPrefix("\"") { #expect(m.path == p) }
        }
    }

    @Test func sample0MatchesUnidiffsOwnExpectations() throws {
        let text = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/sample0.diff"), encoding: .utf8)
        let files = DiffParser.parse(text).files
        try #require(files.count == 3)
        #expect(files[0].hunks.map { [$0.added, $0.removed] } == [[6, 0], [2, 8], [4, 0]])
        #expect(files.reduce(0) { $0 + $1.added } == 21)
        #expect(files.reduce(0) { $0 + $1.removed } == 17)
        #expect(files[1].change == .added && files[2].change == .deleted)
        #expect(files[0].hunks[0].section == "Section Header")
    }

    @Test func lineNumbersFollowTheHunkHeader() throws {
        let text = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/sample0.diff"), encoding: .utf8)
        let h = try #require(DiffParser.parse(text).files.first?.hunks[1])
        #expect((h.oldStart, h.oldCount, h.newStart, h.newCount) == (5, 16, 11, 10))
        #expect(h.lines.first == DiffLine(kind: .context, oldLine: 5, newLine: 11, text: "be shown if it doesn't"))
        let firstRemoved = try #require(h.lines.first { $0.kind == .removed })
        #expect(firstRemoved.oldLine == 8 && firstRemoved.newLine == nil)
        #expect(h.lines.filter { $0.kind != .removed }.last?.newLine == 20)
    }

    @Test func quotedAndSpacedPaths() throws {
        let quoted = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/git_quoted_filename.diff"), encoding: .utf8)
        #expect(DiffParser.parse(quoted).files.first?.path == "A \u{E2} B.py")
        let spaced = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/git_filenames_with_spaces.diff"), encoding: .utf8)
        #expect(DiffParser.parse(spaced).files.first?.path == "has spaces/t.sql")
        #expect(DiffParser.parse(spaced).files.first?.change == .added)
    }

    @Test func carriageReturnsStayInsideTheirLine() throws {
        let data = try Data(contentsOf: Repo.sharedFile("corpus/python-unidiff/git_cr.diff"))
        let f = try #require(DiffParser.parse(String(decoding: data, as: UTF8.self)).files.first)
        #expect(f.hunks.first?.lines.count == 3)
        #expect(f.hunks.first?.lines.first?.text.contains("\r") == true)
    }

    @Test func noNewlineMarkersAndVersionControlHeaders() throws {
        for name in ["hg.diff", "svn.diff"] {
            let text = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/\(name)"), encoding: .utf8)
            let files = DiffParser.parse(text).files
            #expect(files.map(\.path).sorted() == ["added_file", "modified_file", "removed_file"], "\(name)")
            #expect(files.allSatisfy { $0.hunks.first?.lines.last?.kind == .noNewline }, "\(name)")
        }
    }

    @Test func binaryPatches() throws {
        let text = try String(contentsOf: Repo.sharedFile("corpus/python-unidiff/binary.diff"), encoding: .utf8)
        let f = try #require(DiffParser.parse(text).files.first)
        #expect(f.isBinary && f.change == .added && f.hunks.isEmpty && f.path == "1x1.png")
        let go = try String(contentsOf: Repo.sharedFile("corpus/go-gitdiff/new_binary_file.patch"), encoding: .utf8)
        #expect(DiffParser.parse(go).files.first?.isBinary == true)
    }

    @Test func renamesCopiesAndModes() throws {
        let copy = try String(contentsOf: Repo.sharedFile("corpus/go-gitdiff/string/copy_modify.patch"), encoding: .utf8)
        let c = try #require(DiffParser.parse(copy).files.first)
        #expect(c.change == .copied && c.oldPath != c.newPath && !c.hunks.isEmpty)
        let mode = try String(contentsOf: Repo.sharedFile("corpus/go-gitdiff/string/mode_modify.patch"), encoding: .utf8)
        let m = try #require(DiffParser.parse(mode).files.first)
        #expect(m.oldMode != nil && m.newMode != nil && m.oldMode != m.newMode)
    }

    @Test func hunksEndByTheirCountsNotByDashes() {
        let text = """
        diff --git a/x b/x
        --- a/x
        +++ b/x
        @@ -1,3 +1,2 @@
         keep
        --- this removed line looks like a file header
        +++ and this added one too
        -gone
        -- 
        2.49.0
        """
        let r = DiffParser.parse(text)
        #expect(r.files.count == 1)
        let h = r.files[0].hunks[0]
        #expect(h.lines.map(\.kind) == [.context, .removed, .added, .removed])
        #expect(h.lines[1].text == "-- this removed line looks like a file header")
        #expect(r.defects.isEmpty)
    }

    @Test func signatureAfterTheLastHunkIsNotADeletion() {
        let text = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n-- \n2.49.0\n"
        let f = DiffParser.parse(text).files
        #expect(f[0].hunks[0].lines.count == 2 && f[0].removed == 1)
    }

    @Test func absurdHunkNumbersAreRefused() {
        let r = DiffParser.parse("--- a/x\n+++ b/x\n@@ -9223372036854775807,2 +1,2 @@\n a\n b\n@@ -1,1 +99999999999999999999 @@\n a\n")
        #expect(r.files.first?.hunks.isEmpty == true)
        #expect(r.defects.map(\.kind) == [.badHunkHeader, .badHunkHeader])
    }

    @Test func shortHunkIsADefectNotACrash() {
        let r = DiffParser.parse("--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n a\n-b\n")
        #expect(r.defects.map(\.kind) == [.hunkTooShort])
        #expect(r.files.first?.hunks.first?.lines.count == 2)
    }
}

/// Patch bodies checked against `git apply --numstat`, run live.
@Suite struct GitApplyNumstatTests {
    static let inputs: [String] = [
        "threads/vm_uffd_ops/v2-thread.mbox", "threads/vm_uffd_ops/v4-thread.mbox",
        "threads/vm_uffd_ops/mike-v2-thread.mbox",
        "corpus/patchwork/mail/0003-git-pull-request-with-diff.mbox",
        "corpus/patchwork/mail/0011-no-newline-at-end-of-file.mbox", "corpus/patchwork/mail/0013-with-utf8-body.mbox",
        "corpus/patchwork/mail/0021-git-empty-new-file.mbox", "corpus/patchwork/mail/0022-git-mode-change.mbox",
        "corpus/patchwork/mail/0008-git-rename.mbox",
        "corpus/go-gitdiff/one_file.patch", "corpus/go-gitdiff/two_files.patch",
        "corpus/public-inbox/solve/0002-rename-with-modifications.patch",
        "corpus/git/t/t4100/t-apply-1.patch", "corpus/git/t/t4100/t-apply-3.patch",
    ]

    @Test(.enabled(if: Tool.available("git"), "git is not installed"), arguments: inputs)
    func countsMatchGitApply(_ input: String) throws {
        let url = Repo.sharedFile(input)
        var bodies: [String] = []
        if input.hasSuffix(".patch") && !input.contains("0002") && !input.contains("one_file") && !input.contains("two_files") {
            bodies = [String(decoding: try Data(contentsOf: url), as: UTF8.self)]
        } else {
            let box = MailReader.parse(bytes: Array(try Data(contentsOf: url)), source: input)
            bodies = box.messages.map(\.body)
            if bodies.isEmpty { bodies = [String(decoding: try Data(contentsOf: url), as: UTF8.self)] }
        }
        var compared = 0
        for body in bodies {
            let files = PatchMail(body: body).files
            guard !files.isEmpty, let git = try gitNumstat(body) else { continue }
            #expect(files.count == git.count, "\(input)")
            for (f, g) in zip(files, git) {
                if f.isBinary { #expect(g.0 == nil); continue }
                #expect(f.added == g.0 && f.removed == g.1, "\(input) \(f.path)")
            }
            compared += 1
        }
        #expect(compared > 0, "git accepted none of the patches in \(input)")
    }
}
