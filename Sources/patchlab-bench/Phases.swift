import Foundation
import MailCore
import ReviewCore
import UffdModel

/// The patchlab phases the bench runs in child processes. Each returns its figures as
/// `key=value` pairs (`seconds`, `maxrss_kb`, counts, `*_ms`); `unavailable` says why a
/// phase could not be measured.
enum Phases {
    static func run(_ name: String, file: String) -> [String: String] {
        switch name {
        case "full": return full(file)
        case "split": return split(file)
        case "split-parse": return splitParse(file)
        case "mail": return mail(file)
        case "model": return model()
        case "tui": return TUIPhases.firstFrame(file)
        case "thread": return TUIPhases.thread(file)
        case "scroll": return TUIPhases.scroll(file)
        default: return ["unavailable": "no-such-phase:\(name)"]
        }
    }

    /// Times `body` once, returning its result and wall seconds.
    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let t0 = now()
        let r = try body()
        return (r, now() - t0)
    }

    /// Milliseconds, three decimals.
    static func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1000) }

    /// `MailReader.read` of `file` with its wall and CPU seconds, nil when it cannot be read.
    static func readTimed(_ file: String) -> (box: Mailbox, seconds: Double, cpu: Double)? {
        let cpu0 = cpuSeconds()
        let t0 = now()
        guard let box = try? MailReader.read(path: file) else { return nil }
        return (box, now() - t0, cpuSeconds() - cpu0)
    }

    /// The full pipeline: read (mapped), split, headers, MIME, threading (MailCore), then
    /// series, diffs and anchored comments (ReviewCore).
    static func full(_ file: String) -> [String: String] {
        guard let (box, mailSeconds, mailCPU) = readTimed(file) else { return ["unavailable": "read-failed"] }
        let t1 = now()
        let cpu1 = cpuSeconds()
        let review = Review(mailbox: box)
        let reviewSeconds = now() - t1
        let reviewCPU = cpuSeconds() - cpu1
        // For profilers (`perf record`): stop at the end of the timed work, so that counting
        // and interdiffs stay out of the profile.
        if ProcessInfo.processInfo.environment["PATCHLAB_BENCH_TIMED_ONLY"] != nil {
            print("seconds=\(String(format: "%.4f", mailSeconds + reviewSeconds)) cpu=\(String(format: "%.3f", mailCPU + reviewCPU))")
            if let st = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
                print(st.split(separator: "\n").filter { $0.hasPrefix("Rss") || $0.hasPrefix("VmHWM") }.joined(separator: " "))
            }
            // Exits with the results alive: their teardown is not part of the profile either.
            withExtendedLifetime((box, review)) { exit(0) }
        }
        let files = review.patches.reduce(0) { $0 + $1.files.count }
        let hunks = review.patches.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.hunks.count } }
        let rss = peakRSSKiB()
        // Interdiffs are computed on demand (not when a mailbox is opened): timed apart, after
        // the pipeline's peak RSS was read.
        let cpu2 = cpuSeconds()
        let interdiffs = review.interdiffs
        let interdiffCPU = cpuSeconds() - cpu2
        return [
            "seconds": String(format: "%.4f", mailSeconds + reviewSeconds),
            "interdiffs": "\(interdiffs.count)",
            "interdiffs_all_cpu": String(format: "%.3f", interdiffCPU),
            "mail_seconds": String(format: "%.4f", mailSeconds),
            "review_seconds": String(format: "%.4f", reviewSeconds),
            "cpu": String(format: "%.3f", mailCPU + reviewCPU),
            "mail_cpu": String(format: "%.3f", mailCPU),
            "review_cpu": String(format: "%.3f", reviewCPU),
            "messages": "\(box.messages.count)",
            "threads": "\(box.threads.count)",
            "patches": "\(review.patches.count)",
            "files": "\(files)",
            "hunks": "\(hunks)",
            "comments": "\(review.comments.count)",
            "maxrss_kb": "\(rss)",
        ]
    }

    /// The mail layer alone (`MailReader.read`: split, headers, MIME, threading), kept in memory.
    static func mail(_ file: String) -> [String: String] {
        guard let (box, seconds, cpu) = readTimed(file) else { return ["unavailable": "read-failed"] }
        return ["seconds": String(format: "%.4f", seconds), "cpu": String(format: "%.3f", cpu),
                "messages": "\(box.messages.count)", "threads": "\(box.threads.count)",
                "maxrss_kb": "\(peakRSSKiB())", "kind": "mail(MailReader.read)"]
    }

    /// Splitting alone (`MailReader.messageRanges`: message boundaries, no parsing), the work
    /// `git mailsplit` does minus writing the files.
    static func split(_ file: String) -> [String: String] {
        let cpu0 = cpuSeconds()
        let t0 = now()
        let count: Int
        do {
            count = try MailReader.messageRanges(path: file).ranges.count
        } catch {
            return ["unavailable": "read-failed"]
        }
        let t1 = now()
        return ["seconds": String(format: "%.4f", t1 - t0), "cpu": String(format: "%.3f", cpuSeconds() - cpu0),
                "messages": "\(count)",
                "maxrss_kb": "\(peakRSSKiB())", "kind": "split(messageRanges)"]
    }

    /// Splitting plus per-message parsing (headers, MIME, decoding), streamed, nothing kept.
    static func splitParse(_ file: String) -> [String: String] {
        let cpu0 = cpuSeconds()
        let t0 = now()
        var count = 0
        do {
            try MailReader.forEachMessage(path: file) { _ in count += 1 }
        } catch {
            return ["unavailable": "read-failed"]
        }
        let t1 = now()
        return ["seconds": String(format: "%.4f", t1 - t0), "cpu": String(format: "%.3f", cpuSeconds() - cpu0),
                "messages": "\(count)",
                "maxrss_kb": "\(peakRSSKiB())", "kind": "split+parse(forEachMessage)"]
    }

    /// The whole design × scenario matrix (exploration included).
    static func model() -> [String: String] {
        let (results, s) = timed { Simulator.matrix() }
        return ["matrix_ms": ms(s), "seconds": String(format: "%.4f", s), "runs": "\(results.count)",
                "maxrss_kb": "\(peakRSSKiB())"]
    }
}
