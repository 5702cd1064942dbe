import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a session could not be read or written, with the file concerned.
public struct SessionError: Error, Equatable, CustomStringConvertible {
    /// What went wrong (a closed set).
    public enum Kind: Sendable, Equatable {
        /// The file was written by a newer patchlab; it is left untouched.
        case newerFormat(found: Int, supported: Int)
        /// A system call failed at a step of reading or the atomic write.
        case io(step: String, errno: Int32)
        /// The session could not be encoded.
        case encoding(String)
    }

    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .newerFormat(let found, let supported):
            return "\(path): session format version \(found) is newer than this patchlab supports (\(supported)); "
                + "refusing to read or overwrite it"
        case .io(let step, let code):
            return "\(path): \(step) failed: \(String(cString: strerror(code)))"
        case .encoding(let what):
            return "\(path): cannot encode session: \(what)"
        }
    }
}

/// What `SessionStore.load` found.
public enum SessionLoad: Sendable, Equatable {
    /// No session file yet.
    case missing
    case loaded(Session)
    /// The file was not a readable session; it was renamed to `movedTo` and nothing was loaded.
    case movedAside(movedTo: String, reason: String)
}

/// The session file on disk: atomic, durable writes and careful reads.
///
/// A save writes a temp file in the same directory, fsyncs it, renames it over the session and
/// fsyncs the directory, so a crash at any point leaves either the old or the new session. Saving
/// an unchanged session is skipped (the TUI may call `save` after every change). A file of a newer
/// format version is refused and never overwritten; an unreadable one is moved aside.
public struct SessionStore: Sendable {
    /// Steps of a save at which a test can inject a failure.
    public enum FaultPoint: Sendable, Equatable {
        /// After the temp file was written and synced, before the rename.
        case beforeRename
    }

    public let url: URL
    /// Test hook: fail the save at this step (as if the process died there, but the temp file is
    /// cleaned up like any failed save would).
    public var injectFault: FaultPoint?
    /// Test hook: when set, an injected fault leaves the temp file behind (as a `kill -9` would).
    public var leaveTempOnFault = false
    /// The bytes of the last successful save or load, to skip saves that would change nothing.
    private var lastWritten: Data?
    /// The session last saved or loaded.
    private var lastSession: Session?
    /// Whether the file on disk has been checked for a newer format before the first write.
    private var checkedExisting = false

    public init(url: URL) {
        self.url = url
    }

    /// The session file for a series under a working directory (`reviews/<slug>/session.json`).
    public init(seriesSubject: String, workingDirectory: URL) {
        self.init(url: Session.defaultURL(seriesSubject: seriesSubject, workingDirectory: workingDirectory))
    }

    /// The prefix of temp files in the session's directory.
    public var tempPrefix: String { "." + url.lastPathComponent + ".tmp-" }

    // MARK: reading

    /// Reads the session.
    /// - Parameter now: the time used to name a corrupt file moved aside.
    /// - Returns: `.missing`, `.loaded`, or `.movedAside` for a corrupt file (renamed to
    ///   `<name>.corrupt-<UTC timestamp>`).
    /// - Throws: `SessionError` for a newer format (file untouched) or an I/O failure.
    public mutating func load(now: Date = Date()) throws(SessionError) -> SessionLoad {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: path) {
                checkedExisting = true
                return .missing
            }
            throw SessionError(path: path, kind: .io(step: "read", errno: errno == 0 ? EIO : errno))
        }
        switch Self.decode(data) {
        case .success(let session):
            lastWritten = data
            lastSession = session
            checkedExisting = true
            return .loaded(session)
        case .failure(.newer(let found)):
            throw SessionError(path: path, kind: .newerFormat(found: found, supported: Session.currentFormatVersion))
        case .failure(.corrupt(let reason)):
            let aside = url.path + ".corrupt-" + Self.timestamp(now)
            if rename(path, aside) != 0 {
                throw SessionError(path: path, kind: .io(step: "move corrupt file aside", errno: errno))
            }
            checkedExisting = true
            return .movedAside(movedTo: aside, reason: reason)
        }
    }

    /// Why bytes are not a session this build can use.
    public enum DecodeFailure: Error, Equatable {
        case newer(Int)
        case corrupt(String)
    }

    /// Decodes session bytes: a newer `formatVersion` is reported before anything else is parsed.
    public static func decode(_ data: Data) -> Result<Session, DecodeFailure> {
        struct Probe: Decodable { var formatVersion: Int? }
        let probe: Probe
        do {
            probe = try JSONDecoder().decode(Probe.self, from: data)
        } catch {
            return .failure(.corrupt("not JSON: \(shortReason(error))"))
        }
        guard let version = probe.formatVersion else { return .failure(.corrupt("no formatVersion")) }
        if version > Session.currentFormatVersion { return .failure(.newer(version)) }
        do {
            return .success(try decoder().decode(Session.self, from: data))
        } catch {
            return .failure(.corrupt("not a session: \(shortReason(error))"))
        }
    }

    /// Encodes a session as the file's bytes (sorted keys, pretty, ISO 8601 dates, final newline).
    public static func encode(_ session: Session) throws(SessionError) -> Data {
        do {
            var data = try encoder().encode(session)
            data.append(0x0A)
            return data
        } catch {
            throw SessionError(path: "", kind: .encoding(shortReason(error)))
        }
    }

    // MARK: writing

    /// Saves the session atomically (temp file, fsync, rename, fsync of the directory).
    /// - Returns: false when nothing changed since the last save or load (nothing written).
    /// - Throws: `SessionError` naming the failed step; the previous file is then intact.
    @discardableResult
    public mutating func save(_ session: Session) throws(SessionError) -> Bool {
        // Comparing values is far cheaper than encoding them: an autosave of an unchanged session is free.
        if let lastSession, lastSession == session { return false }
        var data: Data
        do { data = try Self.encode(session) } catch { throw SessionError(path: url.path, kind: error.kind) }
        if data == lastWritten { return false }
        if !checkedExisting {
            // Never clobber a session written by a newer patchlab.
            if let existing = try? Data(contentsOf: url), case .failure(.newer(let v)) = Self.decode(existing) {
                throw SessionError(path: url.path, kind: .newerFormat(found: v, supported: Session.currentFormatVersion))
            }
            checkedExisting = true
        }
        try write(data)
        lastWritten = data
        lastSession = session
        return true
    }

    private func write(_ data: Data) throws(SessionError) {
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw SessionError(path: url.path, kind: .io(step: "create directory \(dir.path)", errno: errno == 0 ? EACCES : errno))
        }
        let temp = dir.appendingPathComponent(tempPrefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let fd = posixOpen(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SessionError(path: url.path, kind: .io(step: "create temp file", errno: errno)) }
        var failure: SessionError?
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var done = 0
            while done < buf.count, let base = buf.baseAddress {
                let n = posixWrite(fd, base + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = SessionError(path: url.path, kind: .io(step: "write temp file", errno: errno))
                    return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = SessionError(path: url.path, kind: .io(step: "fsync temp file", errno: errno))
        }
        if close(fd) != 0, failure == nil {
            failure = SessionError(path: url.path, kind: .io(step: "close temp file", errno: errno))
        }
        if failure == nil, injectFault == .beforeRename {
            if leaveTempOnFault { throw SessionError(path: url.path, kind: .io(step: "rename (injected)", errno: EIO)) }
            failure = SessionError(path: url.path, kind: .io(step: "rename (injected)", errno: EIO))
        }
        if failure == nil, rename(temp, url.path) != 0 {
            failure = SessionError(path: url.path, kind: .io(step: "rename temp file", errno: errno))
        }
        if let failure {
            unlink(temp)
            throw failure
        }
        let dfd = posixOpen(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            // The rename is done; a directory that cannot be synced (some filesystems) is not an error.
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Temp files left by interrupted saves in the session's directory.
    public func strayTempFiles() -> [URL] {
        let dir = url.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(tempPrefix) }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// Removes temp files left by interrupted saves that are older than `age` seconds.
    /// - Returns: the files removed.
    @discardableResult
    public func removeStrayTempFiles(olderThan age: TimeInterval = 60, now: Date = Date()) -> [URL] {
        var removed: [URL] = []
        for f in strayTempFiles() {
            let modified = (try? FileManager.default.attributesOfItem(atPath: f.path)[.modificationDate]) as? Date
            if let modified, now.timeIntervalSince(modified) < age { continue }
            if unlink(f.path) == 0 { removed.append(f) }
        }
        return removed
    }

    // MARK: helpers

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }
}

/// A one-line description of a decoding error.
func shortReason(_ error: Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let c): return c.debugDescription
    case DecodingError.keyNotFound(let k, _): return "missing \(k.stringValue)"
    case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.valueNotFound(_, let c): return "missing value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
    default: return "\(error)"
    }
}

#if canImport(Glibc)
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { Glibc.open(path, flags, mode) }
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, buf, count) }
#elseif canImport(Darwin)
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { Darwin.open(path, flags, mode) }
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, buf, count) }
#endif
