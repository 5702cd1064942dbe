import Foundation
import MailCore
import ReviewCore
import TUICore

/// TUI figures: first frame, full-screen render, knob toggle, big thread, big patch scrolling.
enum TUIPhases {
    /// A common terminal size for the figures.
    static let size = Size(columns: 200, rows: 60)

    static func readBytes(_ file: String) -> [UInt8]? {
        guard let d = FileManager.default.contents(atPath: file) else { return nil }
        return [UInt8](d)
    }

    /// Median of `n` timings of `body`, in seconds.
    static func median(_ n: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        times.reserveCapacity(n)
        for _ in 0..<n {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// First frame on a 1,000-message mbox (bytes in memory → parse → review → view → layout →
    /// render, simulation snapshot included), then the median full-screen render and the median
    /// knob toggle (re-simulate every scenario + redraw).
    static func firstFrame(_ file: String) -> [String: String] {
        guard let bytes = readBytes(file) else { return ["unavailable": "cannot-read-input"] }
        let engine = ModelEngine()
        let t0 = now()
        let snapshot = engine.snapshot(DesignChoice(preset: "P2"))
        let (state0, screen) = TUIBench.firstFrame(bytes: bytes, size: size, snapshot: snapshot)
        let first = now() - t0
        var sink = screen.rows.count
        let renderSecs = median(200) { sink &+= TUIBench.frame(state0).rows.count }
        var state = state0
        let knobSecs = median(30) {
            sink &+= TUIBench.toggleKnob(&state) { engine.snapshot($0) }.rows.count
        }
        return ["first_frame_ms": Phases.ms(first), "render_ms": Phases.ms(renderSecs),
                "knob_ms": Phases.ms(knobSecs), "seconds": String(format: "%.4f", first),
                "messages": "\(state0.review.messages.count)", "sink": "\(sink % 7)",
                "maxrss_kb": "\(peakRSSKiB())"]
    }

    /// Opening a 100,000-message thread: parse + review (MailCore + ReviewCore), then its first frame.
    static func thread(_ file: String) -> [String: String] {
        let t0 = now()
        let box: Mailbox
        do { box = try MailReader.read(path: file) } catch { return ["unavailable": "read-failed"] }
        let review = Review(mailbox: box)
        let t1 = now()
        let view = ReviewViewBuilder.build(mailbox: box, review: review, title: "thread")
        let state = AppState(review: view, size: size)
        let screen = render(state, size: size)
        let t2 = now()
        return ["open_ms": Phases.ms(t1 - t0), "first_frame_ms": Phases.ms(t2 - t0),
                "seconds": String(format: "%.4f", t2 - t0), "messages": "\(box.messages.count)",
                "threads": "\(box.threads.count)", "comments": "\(review.comments.count)",
                "rows": "\(screen.rows.count)", "maxrss_kb": "\(peakRSSKiB())"]
    }

    /// A 50,000-line patch: open it, then page down through it; the median page-down → frame.
    static func scroll(_ file: String) -> [String: String] {
        guard let bytes = readBytes(file) else { return ["unavailable": "cannot-read-input"] }
        let t0 = now()
        var (state, _) = TUIBench.firstFrame(bytes: bytes, size: size)
        let open = now() - t0
        state.focus = .patch
        var sink = 0
        let frame = median(300) {
            _ = reduce(&state, .command(.pageDown))
            sink &+= render(state, size: size).rows.count
        }
        let lines = state.review.messages.first?.lines.count ?? 0
        return ["open_ms": Phases.ms(open), "scroll_frame_ms": Phases.ms(frame),
                "seconds": String(format: "%.4f", open), "lines": "\(lines)", "sink": "\(sink % 7)",
                "maxrss_kb": "\(peakRSSKiB())"]
    }
}
