import Notes
import UffdModel
/// The terminal as the app loop sees it; the ncurses adapter meets it, and tests use a
/// scripted fake.
public protocol TerminalIO: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// Whether colour may be used (false when the terminal has none or `NO_COLOR` is set).
    var colors: Bool { get }
    /// Shows a finished screen (the adapter sends only the rows that changed).
    func present(_ screen: Screen)
    /// Blocks for the next input event; nil when input has ended.
    func nextEvent() -> InputEvent?
    /// Leaves screen mode while `body` runs (for `$EDITOR`), then restores and repaints.
    func suspend(_ body: () -> Void)
    /// Forces the next `present` to repaint every row.
    func invalidate()
}

/// The outside world the runtime may use to carry out effects, as a struct of closures.
public struct AppEnvironment: Sendable {
    /// Re-runs every scenario under a design; nil when the model is unavailable.
    public var simulate: @Sendable (DesignChoice) -> ModelSnapshot?
    /// Runs `$EDITOR` on a temporary file holding `initial`; nil when cancelled or failed.
    public var editText: @Sendable (String) -> String?
    /// Exports notes and links; returns a one-line message for the status line (the path written).
    public var export: @Sendable (ExportFormat, [NoteView], [ManualLinkView], DesignChoice?) -> String
    /// Saves the session (notes, manual links, design); returns success and a message.
    public var save: @Sendable ([NoteView], [ManualLinkView], DesignChoice?) -> (Bool, String)
    /// Loads another input.
    public var load: @Sendable (String) -> ReviewView?

    public init(simulate: @escaping @Sendable (DesignChoice) -> ModelSnapshot? = { _ in nil },
                editText: @escaping @Sendable (String) -> String? = { _ in nil },
                export: @escaping @Sendable (ExportFormat, [NoteView], [ManualLinkView], DesignChoice?) -> String = { _, _, _, _ in
                    "export is not available"
                },
                save: @escaping @Sendable ([NoteView], [ManualLinkView], DesignChoice?) -> (Bool, String) = { _, _, _ in
                    (false, "no session file (--session FILE)")
                },
                load: @escaping @Sendable (String) -> ReviewView? = { _ in nil }) {
        self.simulate = simulate
        self.editText = editText
        self.export = export
        self.save = save
        self.load = load
    }
}

/// The Elm-style loop: present, read an event, reduce, carry out the effects, repeat.
public enum AppRuntime {
    /// Carries out one effect, returning the actions it produced.
    public static func perform(_ effect: Effect, terminal: TerminalIO?, environment: AppEnvironment) -> [Action] {
        switch effect {
        case .simulate(let choice):
            if let snap = environment.simulate(choice) { return [.simulated(snap)] }
            return [.report("model not available")]
        case .openEditor(let anchor, let initial):
            nonisolated(unsafe) var result: String?
            if let terminal {
                terminal.suspend { result = environment.editText(initial) }
            } else {
                result = environment.editText(initial)
            }
            return [.editorFinished(anchor, result)]
        case .export(let format, let notes, let links, let choice):
            return [.report(environment.export(format, notes, links, choice))]
        case .saveSession(let notes, let links, let choice):
            let (ok, message) = environment.save(notes, links, choice)
            return [.saved(ok: ok, message: message)]
        case .load(let path):
            if let r = environment.load(path) { return [.loaded(r)] }
            return [.report("cannot load \(path)")]
        case .captureEvidence(let note, let choice, let scenarios):
            guard let design = try? Design.parse(ModelEngine.spec(choice)) else { return [.report("unknown design")] }
            return [.evidenceCaptured(note: note, Evidence.capture(design: design, scenarioIds: scenarios))]
        case .redraw:
            terminal?.invalidate()
            return []
        case .quit:
            return []
        }
    }

    /// Sends an action through `reduce` and then every effect it causes, depth-first.
    public static func dispatch(_ action: Action, _ state: inout AppState, terminal: TerminalIO?, environment: AppEnvironment) {
        var queue = [action]
        while !queue.isEmpty {
            let a = queue.removeFirst()
            for e in reduce(&state, a) {
                queue.append(contentsOf: perform(e, terminal: terminal, environment: environment))
            }
        }
    }

    /// Runs until the state stops running or input ends.
    /// - Returns: the final state.
    public static func run(_ initial: AppState, terminal: TerminalIO, environment: AppEnvironment) -> AppState {
        var state = initial
        state.colors = terminal.colors
        if state.size != terminal.size { dispatch(.input(.resize(terminal.size)), &state, terminal: terminal, environment: environment) }
        while state.running {
            terminal.present(render(state, size: state.size))
            guard let event = terminal.nextEvent() else { break }
            dispatch(.input(event), &state, terminal: terminal, environment: environment)
        }
        return state
    }
}

extension AppEnvironment {
    /// An environment whose saves and exports go through a `SessionKeeper` (one session, one store).
    public static func keeping(_ keeper: SessionKeeper, simulate: @escaping @Sendable (DesignChoice) -> ModelSnapshot? = { _ in nil },
                               editText: @escaping @Sendable (String) -> String? = { _ in nil },
                               exporter: SessionKeeper.Exporter? = nil) -> AppEnvironment {
        AppEnvironment(
            simulate: simulate, editText: editText,
            export: { format, notes, links, choice in
                guard let exporter else { return "export is not available" }
                return keeper.export(format, notes: notes, links: links, choice: choice, using: exporter)
            },
            save: { notes, links, choice in keeper.save(notes: notes, links: links, choice: choice) })
    }
}
