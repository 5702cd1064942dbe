import Foundation
import Notes
import Testing
import TestSupport

/// Runs the built `patchlab export` (CI builds every product before the tests run).
@Suite struct ExportCommandTests {
    static let binary = Repo.productsDirectory.appendingPathComponent("patchlab")
    static let built = FileManager.default.isExecutableFile(atPath: binary.path)
    static let slug = "mm-userfaultfd-modulize-memory-types"

    private func workspace() throws -> (ScratchDirectory, URL) {
        let dir = try ScratchDirectory("patchlab-export")
        let messages = try Fixture.v2Messages()
        let session = try Fixture.session(messages: messages)
        var store = SessionStore(seriesSubject: session.input.seriesSubject, workingDirectory: dir.url)
        try store.save(session)
        return (dir, store.url)
    }

    private func run(_ args: [String], in dir: ScratchDirectory, env: [String: String] = [:]) throws -> ToolResult {
        var environment = ["GIT_CONFIG_NOSYSTEM": "1", "HOME": dir.url.path]
        for (k, v) in env { environment[k] = v }
        return try Tool.run(Self.binary.path, ["export"] + args, cwd: dir.url, environment: environment)
    }

    @Test(.enabled(if: built, "patchlab is not built (swift build first)"))
    func replyExportWritesAnMboxAndRefusesToOverwrite() throws {
        let (dir, sessionURL) = try workspace()
        defer { dir.remove() }
        let gitconfig = dir.file("gitconfig")
        try Data("[user]\n\tname = Git Person\n\temail = git.person@example.net\n".utf8).write(to: gitconfig)
        let env = ["GIT_CONFIG_GLOBAL": gitconfig.path]
        let first = try run([Fixture.v2Path, "--format", "reply"], in: dir, env: env)
        #expect(first.status == 0, "stderr: \(first.stderrText)")
        let out = sessionURL.deletingLastPathComponent().appendingPathComponent("\(Self.slug)-reply.mbox")
        let mbox = try String(contentsOf: out, encoding: .utf8)
        #expect(mbox.hasPrefix("From git.person@example.net "))
        #expect(mbox.contains("\nFrom: Git Person <git.person@example.net>\n"))
        #expect(first.stdoutText.contains("3 reply mail(s) carrying 6 note(s)"))

        let again = try run([Fixture.v2Path, "--format", "reply"], in: dir, env: env)
        #expect(again.status == 2)
        #expect(again.stderrText.contains("exists; pass --force"))
        #expect(try String(contentsOf: out, encoding: .utf8) == mbox)

        let forced = try run([Fixture.v2Path, "--format", "reply", "--force", "--from", "Ada Reviewer <ada@example.org>"], in: dir, env: env)
        #expect(forced.status == 0)
        #expect(try String(contentsOf: out, encoding: .utf8).contains("\nFrom: Ada Reviewer <ada@example.org>\n"))
    }

    @Test(.enabled(if: built, "patchlab is not built (swift build first)"))
    func markdownAndJSONGoToTheOutDirectory() throws {
        let (dir, sessionURL) = try workspace()
        defer { dir.remove() }
        let md = try run([Fixture.v2Path, "--format", "markdown", "--out", "out"], in: dir)
        #expect(md.status == 0, "stderr: \(md.stderrText)")
        let report = try String(contentsOf: dir.file("out/\(Self.slug)-notes.md"), encoding: .utf8)
        #expect(report.contains("```diff"))
        let json = try run([Fixture.v2Path, "--format", "json", "--out", "out", "--session", sessionURL.path], in: dir)
        #expect(json.status == 0, "stderr: \(json.stderrText)")
        let notes = try NotesJSON.importNotes(try Data(contentsOf: dir.file("out/\(Self.slug)-notes.json")))
        #expect(notes == (try Fixture.session(messages: try Fixture.v2Messages())).notes)
    }

    @Test(.enabled(if: built, "patchlab is not built (swift build first)"))
    func badSessionsAreInputErrors() throws {
        let (dir, sessionURL) = try workspace()
        defer { dir.remove() }
        let missing = try run([Fixture.v2Path, "--format", "json", "--session", "nowhere.json"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderrText.contains("no session"))
        let noSender = try run([Fixture.v2Path, "--format", "reply", "--from", "nobody"], in: dir)
        #expect(noSender.status == 2)
        #expect(noSender.stderrText.contains("expected \"Name <email>\""))
        let noGit = try run([Fixture.v2Path, "--format", "reply"], in: dir, env: ["GIT_CONFIG_GLOBAL": "/dev/null"])
        #expect(noGit.status == 2)
        #expect(noGit.stderrText.contains("no sender"))
        let future = Data(#"{"formatVersion": 2}"#.utf8)
        try future.write(to: sessionURL)
        let newer = try run([Fixture.v2Path, "--format", "json"], in: dir)
        #expect(newer.status == 2)
        #expect(newer.stderrText.contains("newer"))
        #expect(try Data(contentsOf: sessionURL) == future)
        let badInput = try run([dir.file("missing.mbox").path, "--format", "json"], in: dir)
        #expect(badInput.status == 2)
        #expect(badInput.stderrText.hasPrefix("patchlab: "))
    }
}
