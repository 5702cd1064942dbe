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

    /// The full pipeline: read (mapped), split, headers, MIME, threading (MailCore), then
    /// series, diffs and anchored comments (ReviewCore).
    static func full(_ file: String) -> [String: String] {
        let cpu0 = cpuSeconds()
        let t0 = now()
        let box: Mailbox
        do {
            box = try MailReader.read(path: file)
        } catch {
            return ["unavailable": "read-failed"]
        }
        let t1 = now()
        let cpu1 = cpuSeconds()
        let review = Review(mailbox: box)
        let t2 = now()
        let cpu2 = cpuSeconds()
        let files = review.patches.reduce(0) { $0 + $1.files.count }
        let hunks = review.patches.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.hunks.count } }
        return [
            "seconds": String(format: "%.4f", t2 - t0),
            "mail_seconds": String(format: "%.4f", t1 - t0),
            "review_seconds": String(format: "%.4f", t2 - t1),
            "cpu": String(format: "%.3f", cpu2 - cpu0),
            "mail_cpu": String(format: "%.3f", cpu1 - cpu0),
            "review_cpu": String(format: "%.3f", cpu2 - cpu1),
            "messages": "\(box.messages.count)",
            "threads": "\(box.threads.count)",
            "patches": "\(review.patches.count)",
            "files": "\(files)",
            "hunks": "\(hunks)",
            "comments": "\(review.comments.count)",
            "maxrss_kb": "\(peakRSSKiB())",
        ]
    }

    /// The mail layer alone (`MailReader.read`: split, headers, MIME, threading), kept in memory.
    static func mail(_ file: String) -> [String: String] {
        let cpu0 = cpuSeconds()
        let t0 = now()
        let box: Mailbox
        do {
            box = try MailReader.read(path: file)
        } catch {
            return ["unavailable": "read-failed"]
        }
        let t1 = now()
        return ["seconds": String(format: "%.4f", t1 - t0), "cpu": String(format: "%.3f", cpuSeconds() - cpu0),
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
