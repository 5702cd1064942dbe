/// Helpers shared by the test targets: where the repository and `../shared` are, how to run a
/// tool such as `git` live, and scratch directories. Test-only; no product depends on it.
import Foundation

public enum Repo {
    /// The repository root (the directory holding `Package.swift`).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// `../shared` beside the repository (read-only test inputs), or `$PATCHLAB_SHARED`.
    public static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["PATCHLAB_SHARED"] {
            return URL(fileURLWithPath: env)
        }
        return root.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// A file under `../shared`, e.g. `Repo.sharedFile("threads/seed-lkml-web.txt")`.
    public static func sharedFile(_ relative: String) -> URL {
        shared.appendingPathComponent(relative)
    }

    /// Every regular file below a directory of `../shared`, sorted by path.
    public static func sharedFiles(under relative: String) -> [URL] {
        let base = sharedFile(relative)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var out: [URL] = []
        for case let url as URL in e {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(url) }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The directory holding built products (`.build/debug` or whatever the tests run from).
    public static var productsDirectory: URL {
        // The test bundle lives in the products directory; fall back to .build/debug.
        let candidates = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            root.appendingPathComponent(".build/debug"),
        ]
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("patchlab").path) {
            return c
        }
        return root.appendingPathComponent(".build/debug")
    }
}

/// The result of running an external program.
public struct ToolResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

public enum Tool {
    /// Whether an executable named `name` is on `PATH`.
    public static func available(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    /// Runs `executable` (looked up on PATH unless absolute) with `arguments`, feeding `stdin`.
    /// - Returns: exit status and captured output.
    public static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                           cwd: URL? = nil, environment: [String: String]? = nil) throws -> ToolResult {
        let p = Process()
        if executable.hasPrefix("/") {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [executable] + arguments
        }
        if let cwd { p.currentDirectoryURL = cwd }
        if let environment {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        // Drain both pipes concurrently so a chatty child cannot block.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try? inp.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ToolResult(status: p.terminationStatus, stdout: outData, stderr: errData)
    }
}

/// A fresh scratch directory, removed by `remove()`.
public struct ScratchDirectory {
    public let url: URL
    public init(_ prefix: String = "patchlab-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
