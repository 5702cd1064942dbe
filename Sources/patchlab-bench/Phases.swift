import Foundation

/// The patchlab phases the bench runs in child processes. Each returns its figures as
/// `key=value` pairs; `unavailable` says why a phase could not be measured.
enum Phases {
    static func run(_ name: String, file: String) -> [String: String] {
        switch name {
        default:
            return ["unavailable": "no-such-phase:\(name)"]
        }
    }
}
