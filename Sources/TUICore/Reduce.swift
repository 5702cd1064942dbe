import Foundation
import Notes
import Linking

/// Everything that can change the state.
public enum Action: Sendable, Equatable {
    /// A raw terminal event; keys go through the keymap unless an overlay takes text.
    case input(InputEvent)
    /// A command, as if its key was pressed.
    case command(Command)
    /// A review finished loading.
    case loaded(ReviewView)
    /// A simulation run finished.
    case simulated(ModelSnapshot)
    /// `$EDITOR` returned (nil: cancelled or failed).
    case editorFinished(LineRef, String?)
    /// Evidence for note `note` was captured from the model.
    case evidenceCaptured(note: Int, Evidence)
    /// The session was saved (or not) with a message for the status line.
    case saved(ok: Bool, message: String)
    /// An effect finished with a message for the status line.
    case report(String)
}

extension Action {
    var replacesReview: Bool { if case .loaded = self { return true } else { return false } }
}

/// Work for the runtime; `reduce` never performs I/O itself.
public enum Effect: Sendable, Equatable {
    case load(path: String)
    case simulate(DesignChoice)
    case openEditor(LineRef, initial: String)
    /// Run `scenarios` under `design` and attach the results to note `note`.
    case captureEvidence(note: Int, design: DesignChoice, scenarios: [String])
    case export(ExportFormat, notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?)
    /// Save the session (also sent by itself after every change to notes or links: autosave).
    case saveSession(notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?)
    case redraw
    case quit
}

/// Applies an action to the state and returns the effects the runtime must carry out.
/// - Parameters:
///   - state: the state to update in place.
///   - action: what happened.
/// - Returns: effects, in order.
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    var effects: [Effect] = []
    let notesBefore = state.notes
    let linksBefore = state.manualLinks
    let deleteAsked = state.pendingDelete
    state.pendingDelete = nil
    switch action {
    case .input(.resize(let size)):
        state.size = size
    case .input(.wheel(let delta, let x, _)):
        let layout = Layout(size: state.size, weights: state.weights, focus: state.focus, zoomed: state.zoomed)
        let pane = Pane.allCases.first { let r = layout.rect($0); return x >= r.x && x < r.maxX && r.width > 0 } ?? state.focus
        state.move(pane, by: delta * 3)
    case .input(.key(let key)):
        if state.overlay != nil {
            effects = state.overlayKey(key)
        } else if let c = Keymap.standard.command(for: key) {
            if c == .deleteNote { state.pendingDelete = deleteAsked }
            effects = state.perform(c)
        } else {
            state.status = "\(key): not bound (? for help)"
        }
    case .command(let c):
        effects = state.perform(c)
    case .loaded(let review):
        let snapshot = state.snapshot
        state = AppState(review: review, size: state.size, snapshot: snapshot)
    case .simulated(let snap):
        if let old = state.snapshot {
            var before: [String: String] = [:]
            for s in old.scenarios { before[s.id] = s.outcome }
            state.changed = Set(snap.scenarios.filter { before[$0.id] != nil && before[$0.id] != $0.outcome }.map(\.id))
        }
        state.snapshot = snap
        state.simulating = false
        state.status = "re-simulated \(snap.scenarios.count) scenarios: \(state.changed.count) changed, \(snap.warnings.count) warnings"
    case .editorFinished(let anchor, let text):
        let editing = state.editingNote
        state.editingNote = nil
        if let ni = editing, state.notes.indices.contains(ni),
           state.notes[ni].message == anchor.message, state.notes[ni].line == anchor.line {
            // An edit never deletes: an emptied or cancelled edit keeps the note as it was.
            if let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text != state.notes[ni].text {
                state.editNote(ni, text)
            } else {
                state.status = "note unchanged (D deletes a note)"
            }
        } else if let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            state.addNote(anchor, text)
        } else {
            state.status = "note cancelled"
        }
    case .evidenceCaptured(let ni, let evidence):
        if state.notes.indices.contains(ni) {
            state.notes[ni].evidence = evidence
            state.unsaved = true
            state.rebuildDocument()
            let warnings = evidence.allWarnings.count
            state.status = "evidence attached: \(evidence.design), \(evidence.scenarios.count) scenario(s), \(warnings) warning(s)"
        }
    case .saved(let ok, let message):
        if ok { state.unsaved = false }
        // An autosave adds its outcome to what the edit said instead of hiding it.
        state.status = state.autosaveStatus.map { $0 + " — " + message } ?? message
        state.autosaveStatus = nil
        if ok, case .confirmQuit? = state.overlay {
            state.overlay = nil
            state.running = false
            effects.append(.quit)
        }
    case .report(let message):
        state.status = message
    }
    // Autosave: a note or link the reviewer made is written at once, never only kept in memory.
    if !action.replacesReview, state.notes != notesBefore || state.manualLinks != linksBefore,
       !effects.contains(where: { if case .saveSession = $0 { return true } else { return false } }) {
        effects.append(state.saveEffect)
        state.autosaveStatus = state.status
    }
    state.fixScroll()
    return effects
}

extension AppState {
    var layout: Layout { Layout(size: size, weights: weights, focus: focus, zoomed: zoomed) }

    /// Messages in tree order.
    var messageOrder: [Int] { review.entries.compactMap(\.message) }

    mutating func perform(_ command: Command) -> [Effect] {
        let page = max(1, layout.contentHeight(focus) - 1)
        switch command {
        case .lineDown: move(focus, by: 1)
        case .lineUp: move(focus, by: -1)
        case .pageDown: move(focus, by: page)
        case .pageUp: move(focus, by: -page)
        case .top: move(focus, by: Int.min / 2)
        case .bottom: move(focus, by: Int.max / 2)
        case .nextMessage: stepTree(1) { $0.message != nil }
        case .previousMessage: stepTree(-1) { $0.message != nil }
        case .nextPatch: stepTree(1) { $0.kind == .patch || $0.kind == .cover }
        case .previousPatch: stepTree(-1) { $0.kind == .patch || $0.kind == .cover }
        case .nextComment: stepComment(1)
        case .previousComment: stepComment(-1)
        case .search: overlay = .searchPrompt(text: searchQuery)
        case .searchNext: jumpToMatch(1)
        case .searchPrevious: jumpToMatch(-1)
        case .focusNext: focus = Pane(rawValue: (focus.rawValue + 1) % 3) ?? .tree
        case .focusPrevious: focus = Pane(rawValue: (focus.rawValue + 2) % 3) ?? .tree
        case .growPane: resizeFocused(4)
        case .shrinkPane: resizeFocused(-4)
        case .zoomPane: zoomed.toggle()
        case .activate: return activate()
        case .followLink: followLink()
        case .addNote:
            if let a = currentAnchor { overlay = .noteEditor(anchor: a, text: "") } else { status = "no line to note" }
        case .editNote:
            if let ni = noteUnderCursor {
                editingNote = ni
                return [.openEditor(LineRef(message: notes[ni].message, line: notes[ni].line), initial: notes[ni].text)]
            }
            editingNote = nil
            if let a = currentAnchor { return [.openEditor(a, initial: "")] }
            status = "no line to note"
        case .attachEvidence:
            guard let ni = noteUnderCursor else { status = "no note under the cursor (a adds one)"; break }
            guard let choice = snapshot?.choice else { status = "the model is not available"; break }
            let ids = evidenceScenarios(for: notes[ni])
            if ids.isEmpty {
                status = "no scenario is linked to this line and no outcome changed; link one with L"
                break
            }
            return [.captureEvidence(note: ni, design: choice, scenarios: ids)]
        case .deleteNote:
            guard let ni = noteUnderCursor else { status = "no note under the cursor"; break }
            if pendingDelete == ni {
                deleteNote(ni)
            } else {
                pendingDelete = ni
                status = "press D again to delete this note"
            }
        case .link: return startLink()
        case .export:
            overlay = .exportPrompt(cursor: ExportFormat.allCases.firstIndex(of: exportFormat) ?? 0)
        case .save: return [saveEffect]
        case .quit:
            if unsaved {
                overlay = .confirmQuit
            } else {
                running = false
                return [.quit]
            }
        case .help: overlay = .help(scroll: 0)
        case .redraw: return [.redraw]
        }
        return []
    }

    // MARK: movement

    mutating func move(_ pane: Pane, by delta: Int) {
        switch pane {
        case .tree:
            guard !review.entries.isEmpty else { return }
            tree.cursor = clamp(tree.cursor.addingClamped(delta), 0, review.entries.count - 1)
            if let m = review.entries[tree.cursor].message, m != message { open(m) }
        case .patch:
            guard !document.isEmpty else { return }
            patch.cursor = clamp(patch.cursor.addingClamped(delta), 0, document.count - 1)
        case .model:
            let n = modelRows.count
            guard n > 0 else { return }
            modelPosition.cursor = clamp(modelPosition.cursor.addingClamped(delta), 0, n - 1)
        }
    }

    mutating func open(_ m: Int) {
        guard review.messages.indices.contains(m) else { return }
        message = m
        patch = ListPosition()
        rebuildDocument()
        if let t = review.entries.firstIndex(where: { $0.message == m }) { tree.cursor = t }
        let mv = review.messages[m]
        status = "\(mv.author) · \(mv.date) · \(mv.subject)"
    }

    mutating func stepTree(_ dir: Int, where match: (TreeEntry) -> Bool) {
        var i = tree.cursor + dir
        while i >= 0 && i < review.entries.count {
            if match(review.entries[i]), let m = review.entries[i].message {
                tree.cursor = i
                open(m)
                return
            }
            i += dir
        }
        status = dir > 0 ? "no next" : "no previous"
    }

    mutating func stepComment(_ dir: Int) {
        focus = .patch
        var i = patch.cursor + dir
        while i >= 0 && i < document.count {
            if document[i].kind == .commentHeader { patch.cursor = i; announceComment(); return }
            i += dir
        }
        // Continue in the next/previous message that has comments.
        let order = messageOrder
        guard let cur = message, let pos = order.firstIndex(of: cur) else { return }
        var p = pos + dir
        while p >= 0 && p < order.count {
            let m = order[p]
            if review.messages[m].hasCommentRows {
                open(m)
                let rows = document.indices.filter { document[$0].kind == .commentHeader }
                if let r = dir > 0 ? rows.first : rows.last { patch.cursor = r }
                announceComment()
                return
            }
            p += dir
        }
        status = dir > 0 ? "no more comments" : "no earlier comments"
    }

    mutating func announceComment() {
        guard let m = message, document.indices.contains(patch.cursor) else { return }
        let line = review.messages[m].lines[document[patch.cursor].line]
        if let c = line.comment, review.comments.indices.contains(c) {
            let ref = review.comments[c]
            let why = ref.links.first.map { " — " + $0.explanation } ?? ""
            status = "comment by \(ref.author)\(why)"
        }
    }

    mutating func resizeFocused(_ delta: Int) {
        weights[focus.rawValue] = clamp(weights[focus.rawValue] + delta, 8, 90)
    }

    var currentAnchor: LineRef? {
        guard let m = message, document.indices.contains(patch.cursor) else { return nil }
        return LineRef(message: m, line: document[patch.cursor].line)
    }

    /// The scenarios a note's evidence cites: those linked to its line or to the comment on it
    /// (rules and manual links), else the ones whose outcome the last design change altered.
    func evidenceScenarios(for note: NoteView) -> [String] {
        var ids: [String] = []
        func add(_ targets: [LinkTarget]) {
            for t in targets where t.kind == .scenario && !ids.contains(t.id) { ids.append(t.id) }
        }
        if review.messages.indices.contains(note.message) {
            let lines = review.messages[note.message].lines
            if lines.indices.contains(note.line) {
                let line = lines[note.line]
                add(line.links.map(\.target))
                if let c = line.comment, review.comments.indices.contains(c) { add(review.comments[c].links.map(\.target)) }
            }
        }
        add(manualLinks.filter { $0.message == note.message && $0.line == note.line }.map(\.target))
        if ids.isEmpty { ids = changed.sorted() }
        return ids
    }

    /// The note whose rows the patch cursor is on.
    var noteUnderCursor: Int? {
        guard focus == .patch, document.indices.contains(patch.cursor),
              let ni = document[patch.cursor].note, notes.indices.contains(ni) else { return nil }
        return ni
    }

    mutating func editNote(_ ni: Int, _ text: String) {
        notes[ni].text = text
        unsaved = true
        rebuildDocument()
        if let row = document.lastIndex(where: { $0.note == ni }) { patch.cursor = row }
        status = "note edited"
    }

    mutating func deleteNote(_ ni: Int) {
        let line = notes[ni].line
        notes.remove(at: ni)
        unsaved = true
        rebuildDocument()
        if let row = document.firstIndex(where: { $0.line == line }) { patch.cursor = row }
        status = "note deleted (\(notes.count) left)"
    }

    mutating func addNote(_ anchor: LineRef, _ text: String) {
        guard review.messages.indices.contains(anchor.message) else { return }
        notes.append(NoteView(messageID: review.messages[anchor.message].messageID, message: anchor.message,
                              line: anchor.line, text: text))
        unsaved = true
        if message == anchor.message {
            rebuildDocument()
            // Show the new note: the cursor moves onto its last row.
            let noteIndex = notes.count - 1
            if let row = document.lastIndex(where: { $0.note == noteIndex }) { patch.cursor = row }
        }
        status = "note added (\(notes.count) total)"
    }

    // MARK: search

    mutating func runSearch(_ query: String) {
        searchQuery = query
        matches = []
        guard !query.isEmpty else { return }
        let needle = query.lowercased()
        review.materializeAll()
        for m in messageOrder {
            let msg = review.messages[m]
            for (i, l) in msg.lines.enumerated() where l.text.lowercased().contains(needle) {
                matches.append(LineRef(message: m, line: i))
            }
        }
        for n in notes where n.text.lowercased().contains(needle) {
            matches.append(LineRef(message: n.message, line: n.line))
        }
        if matches.isEmpty { status = "not found: \(query)"; return }
        jumpToMatch(1, inclusive: true)
    }

    mutating func jumpToMatch(_ dir: Int, inclusive: Bool = false) {
        guard !matches.isEmpty else { status = searchQuery.isEmpty ? "no search (/)" : "not found: \(searchQuery)"; return }
        let order = messageOrder
        var rank: [Int: Int] = [:]
        for (i, m) in order.enumerated() where rank[m] == nil { rank[m] = i }
        func key(_ a: LineRef) -> (Int, Int) { (rank[a.message] ?? Int.max, a.line) }
        let sorted = matches.sorted { key($0) < key($1) }
        let here = (rank[message ?? -1] ?? -1, document.indices.contains(patch.cursor) ? document[patch.cursor].line : -1)
        let pick: LineRef?
        if dir > 0 {
            pick = sorted.first { inclusive ? key($0) >= here : key($0) > here } ?? sorted.first
        } else {
            pick = sorted.last { key($0) < here } ?? sorted.last
        }
        guard let target = pick else { return }
        go(to: target.message, line: target.line)
        let n = (sorted.firstIndex(of: target) ?? 0) + 1
        status = "/\(searchQuery): match \(n) of \(sorted.count)"
    }

    mutating func go(to m: Int, line: Int) {
        if message != m { open(m) }
        if let r = document.firstIndex(where: { $0.line == line && $0.note == nil }) { patch.cursor = r }
        focus = .patch
    }

    // MARK: activation and links

    mutating func activate() -> [Effect] {
        switch focus {
        case .tree:
            if review.entries.indices.contains(tree.cursor), let m = review.entries[tree.cursor].message {
                open(m)
                focus = .patch
            }
        case .patch:
            followLink()
        case .model:
            guard let snap = snapshot, modelRows.indices.contains(modelPosition.cursor) else { return [] }
            switch modelRows[modelPosition.cursor] {
            case .preset:
                guard !snap.presets.isEmpty else { return [] }
                let i = snap.presets.firstIndex(of: snap.choice.preset) ?? -1
                let next = DesignChoice(preset: snap.presets[(i + 1) % snap.presets.count])
                return toggled(next, what: "preset \(next.preset)")
            case .knob(let k):
                let knob = snap.knobs[k]
                guard !knob.options.isEmpty else { return [] }
                let i = knob.options.firstIndex(of: knob.value) ?? -1
                var next = snap.choice
                next.overrides[knob.id] = knob.options[(i + 1) % knob.options.count]
                return toggled(next, what: "\(knob.id) = \(next.overrides[knob.id] ?? "")")
            case .scenario:
                followLink()
            default:
                break
            }
        }
        return []
    }

    mutating func toggled(_ choice: DesignChoice, what: String) -> [Effect] {
        simulating = true
        unsaved = true
        status = "\(what): re-simulating…"
        return [.simulate(choice)]
    }

    /// The model row showing a target, if any.
    func modelRow(for target: LinkTarget) -> Int? {
        guard let snap = snapshot else { return nil }
        return modelRows.firstIndex { row in
            switch row {
            case .knob(let i): return target.kind == .knob && snap.knobs[i].id == target.id
            case .scenario(let i): return target.kind == .scenario && snap.scenarios[i].id == target.id
            default: return false
            }
        }
    }

    mutating func followLink() {
        switch focus {
        case .patch, .tree:
            guard let m = message, document.indices.contains(patch.cursor) else { status = "nothing to follow"; return }
            let line = review.messages[m].lines[document[patch.cursor].line]
            var links = line.links
            if links.isEmpty, let c = line.comment, review.comments.indices.contains(c) { links = review.comments[c].links }
            guard !links.isEmpty else { status = "no links on this line"; return }
            var entries: [LinkEntry] = []
            var seen = Set<LinkTarget>()
            for l in links.sorted(by: { $0.target < $1.target }) where seen.insert(l.target).inserted {
                if modelRow(for: l.target) != nil {
                    entries.append(LinkEntry(label: l.target.badge + "  " + l.explanation, destination: .model(l.target)))
                }
            }
            if entries.isEmpty {
                status = "links: " + links.map(\.target.badge).joined(separator: " ") + " (none shown in the model pane)"
            } else if entries.count == 1 {
                goTo(entries[0].destination)
                status = links.first { $0.target == entriesTarget(entries[0]) }?.explanation ?? status
            } else {
                overlay = .links(title: "Follow link", entries: entries, cursor: 0)
            }
        case .model:
            guard let snap = snapshot, modelRows.indices.contains(modelPosition.cursor) else { return }
            let target: LinkTarget
            switch modelRows[modelPosition.cursor] {
            case .knob(let i): target = LinkTarget(kind: .knob, id: snap.knobs[i].id)
            case .scenario(let i): target = LinkTarget(kind: .scenario, id: snap.scenarios[i].id)
            default: status = "move to a knob or scenario to list its comments"; return
            }
            var entries: [LinkEntry] = []
            // The rows of comments in patches not laid out yet are known once those are.
            let arguing = review.comments.indices.filter { review.comments[$0].links.contains { $0.target == target } }
            for ci in arguing where review.comments[ci].line < 0 { materialize(review.comments[ci].message) }
            for ci in arguing {
                let c = review.comments[ci]
                guard let l = c.links.first(where: { $0.target == target }) else { continue }
                let why = l.origin == .manual ? "manual" : "`\(l.matched)`"
                entries.append(LinkEntry(label: "\(c.author): \(c.summary)  (\(why))", destination: .line(message: c.message, line: c.line)))
            }
            if entries.isEmpty {
                status = "no comments argue \(target)"
            } else {
                overlay = .links(title: "Comments arguing \(target) (\(entries.count))", entries: entries, cursor: 0)
            }
        }
    }

    private func entriesTarget(_ e: LinkEntry) -> LinkTarget? {
        if case .model(let t) = e.destination { return t }
        return nil
    }

    mutating func goTo(_ d: Destination) {
        switch d {
        case .model(let t):
            if let r = modelRow(for: t) {
                focus = .model
                modelPosition.cursor = r
                if zoomed { zoomed = false }
            }
        case .line(let m, let l):
            go(to: m, line: l)
        }
    }

    var saveEffect: Effect { .saveSession(notes: notes, links: manualLinks, choice: snapshot?.choice) }

    // MARK: manual links

    /// The knobs and scenarios a line can be linked to, in model order.
    var linkTargets: [LinkTarget] {
        guard let s = snapshot else { return [] }
        return s.knobs.map { LinkTarget(kind: .knob, id: $0.id) } + s.scenarios.map { LinkTarget(kind: .scenario, id: $0.id) }
    }

    /// The knob or scenario under the model pane's cursor.
    var focusedModelTarget: LinkTarget? {
        guard let snap = snapshot, modelRows.indices.contains(modelPosition.cursor) else { return nil }
        switch modelRows[modelPosition.cursor] {
        case .knob(let i): return LinkTarget(kind: .knob, id: snap.knobs[i].id)
        case .scenario(let i): return LinkTarget(kind: .scenario, id: snap.scenarios[i].id)
        default: return nil
        }
    }

    /// `L`: from the model pane, toggles the link between the patch line and the focused knob or
    /// scenario; elsewhere asks for the target (cursor on the focused model element).
    mutating func startLink() -> [Effect] {
        guard let anchor = currentAnchor else { status = "no line to link"; return [] }
        let targets = linkTargets
        guard !targets.isEmpty else { status = "model not available: nothing to link to"; return [] }
        if focus == .model, let t = focusedModelTarget {
            toggleLink(anchor, t)
            return []
        }
        let cursor = focusedModelTarget.flatMap { targets.firstIndex(of: $0) } ?? 0
        overlay = .linkPrompt(anchor: anchor, targets: targets, cursor: cursor)
        return []
    }

    /// Adds the manual link, or removes it when it exists.
    mutating func toggleLink(_ anchor: LineRef, _ target: LinkTarget) {
        let carrier = linkCarrier(message: anchor.message, line: anchor.line)
        if let existing = manualLinks.first(where: { $0.message == anchor.message && $0.target == target
            && linkCarrier(message: anchor.message, line: $0.line) == carrier }) {
            removeManualLink(message: existing.message, line: existing.line, target: target)
            status = "removed your link to \(target)"
        } else {
            let id = review.messages[anchor.message].messageID
            addManualLink(ManualLinkView(messageID: id, message: anchor.message, line: carrier, target: target))
            status = "linked to \(target) (added by you)"
        }
    }

    // MARK: overlays

    mutating func overlayKey(_ key: Key) -> [Effect] {
        guard let o = overlay else { return [] }
        switch o {
        case .help(let scroll):
            switch key {
            case .char("j"), .down: overlay = .help(scroll: scroll + 1)
            case .char("k"), .up: overlay = .help(scroll: max(0, scroll - 1))
            default: overlay = nil
            }
        case .links(let title, let entries, let cursor):
            switch key {
            case .char("j"), .down: overlay = .links(title: title, entries: entries, cursor: min(entries.count - 1, cursor + 1))
            case .char("k"), .up: overlay = .links(title: title, entries: entries, cursor: max(0, cursor - 1))
            case .enter, .char(" "), .char("o"):
                overlay = nil
                if entries.indices.contains(cursor) { goTo(entries[cursor].destination) }
            case .escape, .char("q"): overlay = nil
            default: break
            }
        case .noteEditor(let anchor, let text):
            switch key {
            case .escape: overlay = nil; status = "note cancelled"
            case .enter:
                overlay = nil
                if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { addNote(anchor, text) }
            case .backspace, .delete: overlay = .noteEditor(anchor: anchor, text: String(text.dropLast()))
            case .char(let c): overlay = .noteEditor(anchor: anchor, text: text + String(c))
            case .tab: overlay = .noteEditor(anchor: anchor, text: text + " ")
            default: break
            }
        case .searchPrompt(let text):
            switch key {
            case .escape: overlay = nil
            case .enter: overlay = nil; runSearch(text)
            case .backspace, .delete: overlay = .searchPrompt(text: String(text.dropLast()))
            case .char(let c): overlay = .searchPrompt(text: text + String(c))
            default: break
            }
        case .linkPrompt(let anchor, let targets, let cursor):
            switch key {
            case .char("j"), .down: overlay = .linkPrompt(anchor: anchor, targets: targets, cursor: min(targets.count - 1, cursor + 1))
            case .char("k"), .up: overlay = .linkPrompt(anchor: anchor, targets: targets, cursor: max(0, cursor - 1))
            case .enter, .char(" "), .char("L"):
                overlay = nil
                if targets.indices.contains(cursor) { toggleLink(anchor, targets[cursor]) }
            case .escape, .char("q"): overlay = nil; status = "link cancelled"
            default: break
            }
        case .exportPrompt(let cursor):
            let formats = ExportFormat.allCases
            var pick: ExportFormat?
            switch key {
            case .down, .tab: overlay = .exportPrompt(cursor: min(formats.count - 1, cursor + 1))
            case .up, .backTab: overlay = .exportPrompt(cursor: max(0, cursor - 1))
            case .enter, .char(" "): pick = formats.indices.contains(cursor) ? formats[cursor] : nil
            case .char("r"): pick = .reply
            case .char("m"): pick = .markdown
            case .char("j"): pick = .json
            case .escape, .char("q"): overlay = nil; status = "export cancelled"
            default: break
            }
            if let pick {
                overlay = nil
                exportFormat = pick
                status = "exporting \(pick.rawValue)…"
                return [.export(pick, notes: notes, links: manualLinks, choice: snapshot?.choice)]
            }
        case .confirmQuit:
            switch key {
            case .char("y"), .char("q"), .char("Y"):
                overlay = nil
                running = false
                return [.quit]
            case .char("s"):
                return [saveEffect]
            default:
                overlay = nil
                status = "quit cancelled"
            }
        }
        return []
    }

    // MARK: scrolling

    /// Keeps every cursor inside its list and visible in its pane.
    mutating func fixScroll() {
        let l = layout
        func fix(_ p: inout ListPosition, count: Int, height: Int) {
            p.cursor = count == 0 ? 0 : clamp(p.cursor, 0, count - 1)
            let h = max(1, height)
            if p.cursor < p.scroll { p.scroll = p.cursor }
            if p.cursor >= p.scroll + h { p.scroll = p.cursor - h + 1 }
            p.scroll = clamp(p.scroll, 0, max(0, count - h))
        }
        fix(&tree, count: review.entries.count, height: l.contentHeight(.tree))
        fix(&patch, count: document.count, height: l.contentHeight(.patch))
        fix(&modelPosition, count: modelRows.count, height: l.contentHeight(.model))
    }
}

func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), max(lo, hi)) }

extension Int {
    func addingClamped(_ d: Int) -> Int {
        let (r, o) = addingReportingOverflow(d)
        return o ? (d > 0 ? Int.max : Int.min) : r
    }
}
