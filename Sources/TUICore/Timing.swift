import MailCore
import ReviewCore

/// Entry points the benchmark times (design §9): first frame, full render, knob toggle.
public enum TUIBench {
    /// Everything up to the first frame: parse the bytes, build the review and its view, lay out
    /// and render.
    public static func firstFrame(bytes: [UInt8], size: Size, snapshot: ModelSnapshot? = nil) -> (AppState, Screen) {
        let mailbox = MailReader.parse(bytes: bytes, source: "bench")
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: Review(mailbox: mailbox), title: "bench")
        let state = AppState(review: view, size: size, snapshot: snapshot)
        return (state, render(state, size: size))
    }

    /// One full-screen render of a prepared state.
    public static func frame(_ state: AppState) -> Screen { render(state, size: state.size) }

    /// Toggles the knob under the model cursor (or the first knob), re-simulates through
    /// `simulate`, and renders the resulting frame.
    public static func toggleKnob(_ state: inout AppState, simulate: (DesignChoice) -> ModelSnapshot?) -> Screen {
        state.focus = .model
        let rows = state.modelRows
        let isKnob: (ModelRow) -> Bool = { if case .knob = $0 { return true } else { return false } }
        let onKnob = rows.indices.contains(state.modelPosition.cursor) && isKnob(rows[state.modelPosition.cursor])
        if !onKnob, let row = rows.firstIndex(where: isKnob) { state.modelPosition.cursor = row }
        for effect in reduce(&state, .command(.activate)) {
            if case .simulate(let choice) = effect, let snap = simulate(choice) { _ = reduce(&state, .simulated(snap)) }
        }
        return render(state, size: state.size)
    }
}
