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

    @Option(help: "Initial design: a preset (D0, P2, P4, L1, M). Default: the preset whose members the newest posting's patches add (P2 when none do).")
    var design: String?

    func run() throws {
        try CommandInput.run(open)
    }

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
                throw CommandFailure("no FILE given and no demo review found in ./reviews or beside the executable")
            }
            path = demo
        }
        let mailbox = try CommandInput.mailbox(path, requireMessages: true)
        guard isatty(STDOUT_FILENO) != 0 else {
            throw CommandFailure("standard output is not a terminal; the viewer needs one (try `patchlab parse \(path)`)")
        }
        let review = Review(mailbox: mailbox)

        // Session: open it through the one store kept for the whole run (re-attaching notes, also
        // to patches rebuilt from quotes), refusing newer formats.
        let identity = InputIdentity(source: path, messages: mailbox.messages)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let sessionURL = session.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            ?? Session.defaultURL(seriesSubject: identity.seriesSubject, workingDirectory: cwd)
        let title = URL(fileURLWithPath: path).lastPathComponent
        // Manual links are applied by the TUI state (so they can be added and removed there).
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: review, manualLinks: [:], title: title)
        let keeper: SessionKeeper
        let opened: OpenedSession
        do {
            (keeper, opened) = try SessionKeeper.open(SessionStore(url: sessionURL), messages: mailbox.messages, review: review,
                                                      view: view, identity: identity)
        } catch {
            throw CommandFailure("\(error)")
        }
        let base = opened.session
        // The session's design (with its knob overrides) wins over --design, which wins over the
        // preset the patches themselves implement.
        let inferred = design == nil && base.design == nil ? DesignInference.guess(review) : nil
        let choice = base.design.flatMap(DesignChoice.init(spec:))
            ?? DesignChoice(preset: design ?? inferred?.preset.rawValue ?? "P2")
        let engine = ModelEngine()
        let snapshot = engine.snapshot(choice)

        let terminal: CursesTerminal
        do { terminal = try CursesTerminal() } catch { throw CommandFailure("\(error)") }
        var state = AppState(review: view, size: terminal.size, snapshot: snapshot)
        let hidden = state.adopt(keeper)
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)" + (n == 1 ? "" : "s") }
        let summary = "\(title): \(count(mailbox.messages.count, "message")), \(count(view.comments.count, "comment"))"
            + (state.notes.isEmpty ? "" : ", \(count(state.notes.count, "note"))")
            + (hidden > 0 ? " (\(hidden) more kept in the session, not shown here)" : "")
            + (inferred.map { "; model \($0.summary)" } ?? "") + " — ? for help"
        state.status = opened.notices.isEmpty ? summary : opened.notices.joined(separator: "; ")

        let messages = mailbox.messages
        let directory = sessionURL.deletingLastPathComponent()
        let env = AppEnvironment.keeping(
            keeper, simulate: { engine.snapshot($0) }, editText: { Self.runEditor($0) },
            exporter: { format, session in Self.export(format, session: session, messages: messages, directory: directory) })
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
        // With the mail read from standard input, the editor takes its keys from the terminal.
        let keys = isatty(STDIN_FILENO) != 0 ? "" : " </dev/tty"
        p.arguments = ["-c", "\(editor) \"$1\"\(keys)", "patchlab-editor", url.path]
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0, let data = try? Data(contentsOf: url) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes an export next to the session file (see `ExportFiles.export`); the reply sender
    /// comes from `git config user.name`/`user.email`.
    static func export(_ format: ExportFormat, session: Session, messages: [Message], directory: URL) -> String {
        ExportFiles.export(format, session: session, messages: messages, directory: directory) {
            ExportCommand.gitConfig("user.email").map { Address(name: ExportCommand.gitConfig("user.name") ?? "", email: $0) }
        }
    }
}
