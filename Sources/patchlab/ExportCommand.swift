import ArgumentParser
import Foundation
import MailCore
import Notes

/// `patchlab export FILE --format reply|markdown|json`: the session's notes as reply mails (one
/// mbox), a Markdown report or JSON. Thin: reads the thread and the session, calls Notes, writes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export your notes as reply mails (mbox), a Markdown report or JSON.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case reply, markdown, json
    }

    @Argument(help: "The thread the notes were taken on (mbox, Maildir, .eml, or - for stdin).")
    var file: String

    @Option(help: "reply (an mbox of reply mails), markdown or json.")
    var format: Format

    @Option(help: "The session file (default: reviews/<series-slug>/session.json under the current directory).")
    var session: String?

    @Option(help: "Directory to write into (default: the session's directory).")
    var out: String?

    @Flag(help: "Overwrite an existing output file.")
    var force = false

    @Option(help: "Sender of the reply mails, \"Name <email>\" (default: git config user.name/user.email).")
    var from: String?

    func run() throws {
        try CommandInput.run(export)
    }

    private func export() throws {
        let messages = try CommandInput.mailbox(file, requireMessages: true).messages
        let identity = InputIdentity(source: file, messages: messages)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let sessionURL = session.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            ?? Session.defaultURL(seriesSubject: identity.seriesSubject, workingDirectory: cwd)
        var store = SessionStore(url: sessionURL)
        guard FileManager.default.fileExists(atPath: sessionURL.path) else {
            throw CommandFailure("\(sessionURL.path): no session (take notes in the TUI first, or pass --session FILE)")
        }
        let opened: OpenedSession
        do {
            opened = try store.open(messages: messages, identity: identity)
        } catch {
            throw CommandFailure(error.description)
        }
        for notice in opened.notices {
            FileHandle.standardError.write(Data("patchlab: \(notice)\n".utf8))
        }
        guard opened.existed else {
            throw CommandFailure("\(sessionURL.path): no usable session to export")
        }
        let attached = opened.session

        let slug = SeriesInfo.slug(attached.input.seriesSubject)
        let dir = out.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL } ?? sessionURL.deletingLastPathComponent()
        let data: Data
        let name: String
        var summary: String
        switch format {
        case .reply:
            let sender = try resolveSender()
            let now = Date()
            let export = ReplyExporter.export(session: attached, messages: messages, options: ReplyOptions(from: sender, now: now))
            data = Data(export.mbox(now: now).utf8)
            name = "\(slug)-reply.mbox"
            summary = "\(export.mails.count) reply mail(s) carrying \(export.mails.reduce(0) { $0 + $1.noteIds.count }) note(s)"
            if !export.skipped.isEmpty { summary += "; \(export.skipped.count) note(s) skipped (message not in input)" }
            let unaddressed = export.mails.compactMap(\.unaddressed)
            if !unaddressed.isEmpty {
                summary += "; \(unaddressed.count) without To: (the input gives no address for \(Set(unaddressed).sorted().joined(separator: ", ")))"
            }
        case .markdown:
            data = Data(MarkdownReport.render(session: attached, messages: messages).utf8)
            name = "\(slug)-notes.md"
            summary = "\(attached.notes.count) note(s)"
        case .json:
            do { data = try NotesJSON(session: attached, messages: messages).encoded() } catch {
                throw CommandFailure("cannot encode notes: \(error)")
            }
            name = "\(slug)-notes.json"
            summary = "\(attached.notes.count) note(s)"
        }
        let target = dir.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) && !force {
            throw CommandFailure("\(target.path) exists; pass --force to overwrite it")
        }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: target, options: .atomic)
        } catch {
            throw CommandFailure("\(target.path): cannot write: \(error.localizedDescription)")
        }
        print("\(target.path): \(summary)")
    }

    /// `--from`, else `git config user.name` / `user.email`.
    private func resolveSender() throws -> Address {
        if let from {
            guard let a = Self.parseAddress(from) else {
                throw CommandFailure("--from \"\(from)\": expected \"Name <email>\"")
            }
            return a
        }
        let name = Self.gitConfig("user.name") ?? ""
        guard let email = Self.gitConfig("user.email"), !email.isEmpty else {
            throw CommandFailure("no sender: set git config user.name/user.email or pass --from \"Name <email>\"")
        }
        return Address(name: name, email: email)
    }

    /// `Name <email>` or a bare `email`.
    static func parseAddress(_ text: String) -> Address? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let open = t.lastIndex(of: "<"), let close = t[open...].firstIndex(of: ">") {
            let email = String(t[t.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
            var name = String(t[..<open]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            return email.contains("@") ? Address(name: name, email: email) : nil
        }
        return t.contains("@") && !t.contains(" ") ? Address(name: "", email: t) : nil
    }

    static func gitConfig(_ key: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "config", "--get", key]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
