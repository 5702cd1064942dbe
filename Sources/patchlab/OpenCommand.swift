import ArgumentParser
import Foundation
import Linking
import MailCore
import Notes
import ReviewCore
import TerminalAdapter
import TUICore

/// `patchlab [FILE|-] [--session FILE]`: opens the review TUI (default subcommand). With no
/// argument it opens the demo review in `reviews/` (found from the current directory, else
/// from the executable's repository).
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the review TUI (no FILE: the demo review in reviews/).")

    @Argument(help: "A thread (mbox, Maildir, .eml, .gz, web-archive text, or - for stdin).")
    var file: String?

    @Option(help: "The session file (default: reviews/<series-slug>/session.json under the current directory).")
    var session: String?

    @Option(help: "Initial design: a preset (D0, P2, P4, L1, M).")
    var design: String = "P2"

    func run() throws {
        do {
            try open()
        } catch let f as Failure {
            FileHandle.standardError.write(Data("patchlab: \(f.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// A usage or input error: one line, exit 2.
    struct Failure: Error { var message: String }

    /// The demo mbox: `reviews/` under the current directory, else beside the executable's repository.
    static func demoPath() -> String? {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("reviews")]
        var exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            exe.deleteLastPathComponent()
            candidates.append(exe.appendingPathComponent("reviews"))
        }
        for dir in candidates {
            guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            if let mbox = names.sorted().first(where: { $0.hasSuffix(".mbox") }) {
                return dir.appendingPathComponent(mbox).path
            }
        }
        return nil
    }

    private func open() throws {
        let path: String
        if let file { path = file } else {
            guard let demo = Self.demoPath() else {
                throw Failure(message: "no FILE given and no demo review found in ./reviews or beside the executable")
            }
            path = demo
        }
        let mailbox: Mailbox
        do { mailbox = try MailReader.read(path: path) } catch { throw Failure(message: "\(error)") }
        guard !mailbox.messages.isEmpty else {
            throw Failure(message: "\(path): no messages found" + (mailbox.defects.first.map { " (\($0))" } ?? ""))
        }
        guard isatty(STDOUT_FILENO) != 0 else {
            throw Failure(message: "standard output is not a terminal; the viewer needs one (try `patchlab parse \(path)`)")
        }
        let review = Review(mailbox: mailbox)

        // Session: load what exists (refusing newer formats), keep it as the base for saving.
        let identity = InputIdentity(source: path, messages: mailbox.messages)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let sessionURL = session.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            ?? Session.defaultURL(seriesSubject: identity.seriesSubject, workingDirectory: cwd)
        var store = SessionStore(url: sessionURL)
        var base = Session(input: identity)
        var loadMessage: String?
        do {
            switch try store.load() {
            case .missing: break
            case .loaded(let s): base = s.reattached(to: mailbox.messages, source: path).0
            case .movedAside(let movedTo, let reason): loadMessage = "session unreadable (\(reason)); moved aside to \(movedTo)"
            }
        } catch {
            throw Failure(message: "\(error)")
        }

        let title = URL(fileURLWithPath: path).lastPathComponent
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: review, manualLinks: SessionBridge.manualLinks(base), title: title)
        let choice = DesignChoice(preset: base.design.flatMap { $0.split(separator: ",").first.map(String.init) } ?? design)
        let engine = ModelEngine()
        let snapshot = engine.snapshot(choice)

        let terminal: CursesTerminal
        do { terminal = try CursesTerminal() } catch { throw Failure(message: "\(error)") }
        var state = AppState(review: view, size: terminal.size, snapshot: snapshot)
        state.notes = SessionBridge.notes(from: base, view: view, review: review)
        state.rebuildDocument()
        state.status = loadMessage ?? "\(title): \(mailbox.messages.count) messages, \(view.comments.count) comments"
            + (state.notes.isEmpty ? "" : ", \(state.notes.count) notes") + " — ? for help"

        let baseSession = base
        let messages = mailbox.messages
        let env = AppEnvironment(
            simulate: { engine.snapshot($0) },
            editText: { Self.runEditor($0) },
            export: { format, notes, choice in
                Self.export(format, session: SessionBridge.session(notes: notes, design: choice.map(ModelEngine.spec), view: view,
                                                                 review: review, base: baseSession),
                            messages: messages, directory: sessionURL.deletingLastPathComponent())
            },
            save: { notes, choice in
                var st = SessionStore(url: sessionURL)
                let s = SessionBridge.session(notes: notes, design: choice.map(ModelEngine.spec), view: view, review: review, base: baseSession)
                do {
                    _ = try st.save(s)
                    return (true, "saved \(notes.count) notes to \(sessionURL.path)")
                } catch {
                    return (false, "save failed: \(error)")
                }
            })
        _ = AppRuntime.run(state, terminal: terminal, environment: env)
        terminal.close()
    }

    /// Runs `$VISUAL`/`$EDITOR` (default `vi`) on a temporary file and returns its text.
    static func runEditor(_ initial: String) -> String? {
        let env = ProcessInfo.processInfo.environment
        let editor = env["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("patchlab-note-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        do { try Data(initial.utf8).write(to: url) } catch { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\(editor) \"$1\"", "patchlab-editor", url.path]
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0, let data = try? Data(contentsOf: url) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes an export next to the session file; returns a status line.
    static func export(_ format: ExportFormat, session: Session, messages: [Message], directory: URL) -> String {
        let slug = SeriesInfo.slug(session.input.seriesSubject)
        let data: Data
        let name: String
        switch format {
        case .markdown:
            data = Data(MarkdownReport.render(session: session, messages: messages).utf8)
            name = "\(slug)-notes.md"
        case .json:
            guard let d = try? NotesJSON(session: session, messages: messages).encoded() else { return "export failed: cannot encode JSON" }
            data = d
            name = "\(slug)-notes.json"
        case .reply:
            let name = ExportCommand.gitConfig("user.name") ?? ""
            guard let email = ExportCommand.gitConfig("user.email") else {
                return "reply export needs git config user.email (or use `patchlab export --from`)"
            }
            let now = Date()
            let export = ReplyExporter.export(session: session, messages: messages,
                                              options: ReplyOptions(from: Address(name: name, email: email), now: now))
            let url = directory.appendingPathComponent("\(slug)-reply.mbox")
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(export.mbox(now: now).utf8).write(to: url, options: .atomic)
            } catch {
                return "export failed: \(error.localizedDescription)"
            }
            return "exported \(export.mails.count) reply mail(s) to \(url.path)"
        }
        let url = directory.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            return "export failed: \(error.localizedDescription)"
        }
        return "exported \(session.notes.count) notes to \(url.path)"
    }
}
