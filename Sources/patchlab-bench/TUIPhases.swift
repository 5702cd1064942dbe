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

    /// Median of `n` timings of `body`, in seconds (wall, and CPU time of this process).
    static func median(_ n: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        var walls: [Double] = [], cpus: [Double] = []
        walls.reserveCapacity(n)
        cpus.reserveCapacity(n)
        for _ in 0..<n {
            let c0 = processCPU()
            let t0 = now()
            body()
            walls.append(now() - t0)
            cpus.append(processCPU() - c0)
        }
        walls.sort()
        cpus.sort()
        return (walls[n / 2], cpus[n / 2])
    }

    /// CPU seconds of this process (CLOCK_PROCESS_CPUTIME_ID: fine-grained, unlike getrusage).
    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `wall (cpu X)` in milliseconds.
    static func both(_ wall: Double, _ cpu: Double) -> String {
        "\(Phases.ms(wall))(cpu:\(Phases.ms(cpu)))"
    }

    /// First frame on a 1,000-message mbox (bytes in memory → parse → review → view → layout →
    /// render, simulation snapshot included), then the median full-screen render and the median
    /// knob toggle (re-simulate every scenario + redraw).
    static func firstFrame(_ file: String) -> [String: String] {
        guard let bytes = readBytes(file) else { return ["unavailable": "cannot-read-input"] }
        let engine = ModelEngine()
        let c0 = processCPU()
        let t0 = now()
        let snapshot = engine.snapshot(DesignChoice(preset: "P2"))
        let (state0, screen) = TUIBench.firstFrame(bytes: bytes, size: size, snapshot: snapshot)
        let first = now() - t0
        let firstCPU = processCPU() - c0
        var sink = screen.rows.count
        let renderSecs = median(200) { sink &+= TUIBench.frame(state0).rows.count }
        var state = state0
        let knobSecs = median(30) {
            sink &+= TUIBench.toggleKnob(&state) { engine.snapshot($0) }.rows.count
        }
        return ["first_frame_ms": both(first, firstCPU), "render_ms": both(renderSecs.wall, renderSecs.cpu),
                "knob_ms": both(knobSecs.wall, knobSecs.cpu), "seconds": String(format: "%.4f", first),
                "messages": "\(state0.review.messages.count)", "sink": "\(sink % 7)",
                "maxrss_kb": "\(peakRSSKiB())"]
    }

    /// Opening a 100,000-message thread: parse + review (MailCore + ReviewCore), then its first frame.
    static func thread(_ file: String) -> [String: String] {
        let c0 = processCPU()
        let t0 = now()
        let box: Mailbox
        do { box = try MailReader.read(path: file) } catch { return ["unavailable": "read-failed"] }
        let review = Review(mailbox: box)
        let t1 = now()
        let c1 = processCPU()
        let view = ReviewViewBuilder.build(mailbox: box, review: review, title: "thread")
        let state = AppState(review: view, size: size)
        let screen = render(state, size: size)
        let t2 = now()
        let c2 = processCPU()
        return ["open_ms": both(t1 - t0, c1 - c0), "first_frame_ms": both(t2 - t0, c2 - c0),
                "seconds": String(format: "%.4f", t2 - t0), "messages": "\(box.messages.count)",
                "threads": "\(box.threads.count)", "comments": "\(review.comments.count)",
                "rows": "\(screen.rows.count)", "maxrss_kb": "\(peakRSSKiB())"]
    }

    /// A 50,000-line patch: open it, then page down through it; the median page-down → frame.
    static func scroll(_ file: String) -> [String: String] {
        guard let bytes = readBytes(file) else { return ["unavailable": "cannot-read-input"] }
        let c0 = processCPU()
        let t0 = now()
        var (state, _) = TUIBench.firstFrame(bytes: bytes, size: size)
        let open = now() - t0
        let openCPU = processCPU() - c0
        state.focus = .patch
        var sink = 0
        let frame = median(300) {
            _ = reduce(&state, .command(.pageDown))
            sink &+= render(state, size: size).rows.count
        }
        let lines = state.review.messages.first?.lines.count ?? 0
        return ["open_ms": both(open, openCPU), "scroll_frame_ms": both(frame.wall, frame.cpu),
                "seconds": String(format: "%.4f", open), "lines": "\(lines)", "sink": "\(sink % 7)",
                "maxrss_kb": "\(peakRSSKiB())"]
    }
}
