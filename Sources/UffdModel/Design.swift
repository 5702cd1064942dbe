/// Designs of the `vm_uffd_ops` API: presets from the facts sheet §1 / §4 and the knobs a
/// reviewer can flip on top of any of them.
import Foundation

/// A design preset (facts §4 "design keys").
public enum Preset: String, CaseIterable, Sendable, Hashable, Codable {
    /// Mainline before any series: every memory type hard-coded in mm/ (facts §1.2 "before").
    case D0
    /// Peter Xu v2: nested `userfaultfd_ops`, `uffd_features` + `uffd_ioctls`, `uffd_get_folio`, `uffd_copy` (facts §1.2).
    case P2
    /// Peter Xu v3/v4: `supported_ioctls` + `minor_get_folio`, no copy hook (facts §1.2).
    case P4
    /// Lorenzo Stoakes' `get_uffd_ops(vma)` callback on top of v2 semantics (facts §1.5 A1, §4 L1).
    case L1
    /// Mike Rapoport's 2026 design: `uffd_ops` with `can_userfault`, `get_folio_noalloc`,
    /// `alloc_folio`, `filemap_add`, `filemap_remove` (facts §1.4).
    case M

    /// One-line description for lists.
    public var title: String {
        switch self {
        case .D0: return "mainline before the series (hard-coded memory types)"
        case .P2: return "Peter Xu v2: userfaultfd_ops, uffd_features+uffd_ioctls, uffd_get_folio, uffd_copy"
        case .P4: return "Peter Xu v3/v4: supported_ioctls + minor_get_folio, no copy hook"
        case .L1: return "Lorenzo Stoakes: get_uffd_ops(vma) handler, otherwise v2 semantics"
        case .M: return "Mike Rapoport 2026: uffd_ops with can_userfault/get_folio_noalloc/alloc_folio/filemap_add"
        }
    }

    /// The knob values that make up this preset.
    public var settings: [String: String] {
        switch self {
        case .D0:
            return ["ops_lookup": "hardcoded", "capabilities": "ioctls", "copy_delegation": "core",
                    "handler_ctx": "no", "retry": "enoent_foliop", "continue_private": "allowed",
                    "fault_hook": "handle_userfault", "naming": "as_posted", "typedef": "no", "lock_doc": "no"]
        case .P2:
            return ["ops_lookup": "vm_ops_pointer", "capabilities": "features_and_ioctls",
                    "copy_delegation": "uffd_copy", "handler_ctx": "no", "retry": "enoent_foliop",
                    "continue_private": "shared_only", "fault_hook": "handle_userfault",
                    "naming": "as_posted", "typedef": "yes", "lock_doc": "no"]
        case .P4:
            return ["ops_lookup": "vm_ops_pointer", "capabilities": "ioctls", "copy_delegation": "core",
                    "handler_ctx": "no", "retry": "enoent_foliop", "continue_private": "shared_only",
                    "fault_hook": "handle_userfault", "naming": "as_posted", "typedef": "no", "lock_doc": "no"]
        case .L1:
            return ["ops_lookup": "get_uffd_ops", "capabilities": "features_and_ioctls",
                    "copy_delegation": "uffd_copy", "handler_ctx": "no", "retry": "enoent_foliop",
                    "continue_private": "shared_only", "fault_hook": "handle_userfault",
                    "naming": "prefix_stripped", "typedef": "no", "lock_doc": "no"]
        case .M:
            return ["ops_lookup": "vm_ops_pointer", "capabilities": "handlers", "copy_delegation": "alloc_hooks",
                    "handler_ctx": "no", "retry": "snapshot", "continue_private": "allowed",
                    "fault_hook": "do_userfault", "naming": "as_posted", "typedef": "no", "lock_doc": "yes"]
        }
    }
}

/// One design alternative a reviewer can flip (design §4 "knobs"), with the thread that argued it.
public struct Knob: Sendable, Identifiable, Hashable {
    /// Stable identifier used in design specs (`P2,ops_lookup=get_uffd_ops`).
    public var id: String
    /// Short human title.
    public var title: String
    /// The allowed values, first is not necessarily the default (presets choose).
    public var values: [String]
    /// What flipping the knob changes in the model.
    public var explanation: String
    /// Message-IDs of the thread messages that argued this alternative (facts §1.5).
    public var messageIds: [String]
    /// True when the knob only changes the rendered header text.
    public var cosmetic: Bool

    /// Creates a knob.
    public init(id: String, title: String, values: [String], explanation: String,
                messageIds: [String], cosmetic: Bool) {
        self.id = id
        self.title = title
        self.values = values
        self.explanation = explanation
        self.messageIds = messageIds
        self.cosmetic = cosmetic
    }
}

/// An error in a design spec such as `P2,ops_lookup=bogus`.
public struct DesignError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending text.
    public var text: String
    /// Why it was refused.
    public var reason: String
    /// One-line message.
    public var description: String { "bad design spec '\(text)': \(reason)" }
}

/// A chosen design: a preset plus knob overrides.
public struct Design: Sendable, Hashable, CustomStringConvertible {
    /// The preset the knobs are applied to.
    public var preset: Preset
    /// Knob id → value overrides (only values that differ from the preset are kept).
    public var settings: [String: String]

    /// Creates a design; overrides equal to the preset's value are dropped.
    public init(preset: Preset, settings: [String: String] = [:]) {
        self.preset = preset
        self.settings = settings.filter { preset.settings[$0.key] != $0.value }
    }

    /// Parses `PRESET[,knob=value...]`.
    /// - Throws: `DesignError` for an unknown preset, knob or value.
    public static func parse(_ spec: String) throws -> Design {
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, !first.isEmpty else {
            throw DesignError(text: spec, reason: "empty design")
        }
        guard let preset = Preset.allCases.first(where: { $0.rawValue.lowercased() == first.lowercased() }) else {
            throw DesignError(text: first, reason: "unknown preset (one of \(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var settings: [String: String] = [:]
        for part in parts.dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw DesignError(text: part, reason: "expected knob=value") }
            guard let knob = Catalog.knob(kv[0]) else {
                throw DesignError(text: kv[0], reason: "unknown knob (one of \(Catalog.knobs.map(\.id).joined(separator: ", ")))")
            }
            guard knob.values.contains(kv[1]) else {
                throw DesignError(text: part, reason: "value must be one of \(knob.values.joined(separator: "|"))")
            }
            settings[knob.id] = kv[1]
        }
        return Design(preset: preset, settings: settings)
    }

    /// The effective value of a knob (override or preset value; "" for an unknown knob).
    public func value(of knob: String) -> String {
        settings[knob] ?? preset.settings[knob] ?? ""
    }

    /// Returns a copy with one knob set.
    public func with(_ knob: String, _ value: String) -> Design {
        var s = settings
        s[knob] = value
        return Design(preset: preset, settings: s)
    }

    /// Canonical spec text, e.g. `P2,ops_lookup=get_uffd_ops` (knobs in catalog order).
    public var spec: String {
        var out = preset.rawValue
        for knob in Catalog.knobs {
            if let v = settings[knob.id] { out += ",\(knob.id)=\(v)" }
        }
        return out
    }

    /// Same as `spec`.
    public var description: String { spec }

    // MARK: typed views used by the simulator

    var lookup: OpsLookup { OpsLookup(rawValue: value(of: "ops_lookup")) ?? .hardcoded }
    var capabilities: CapabilityStyle { CapabilityStyle(rawValue: value(of: "capabilities")) ?? .ioctls }
    var delegation: CopyDelegation { CopyDelegation(rawValue: value(of: "copy_delegation")) ?? .core }
    var retry: RetryOwner { RetryOwner(rawValue: value(of: "retry")) ?? .enoentFoliop }
    var handlerGetsCtx: Bool { value(of: "handler_ctx") == "yes" }
    var continuePrivate: Bool { value(of: "continue_private") == "allowed" }
    var coreCallsUserfault: Bool { value(of: "fault_hook") == "do_userfault" }
    /// Whether memory types are described by ops at all (anything but mainline's hard-coding).
    var hasOps: Bool { lookup != .hardcoded }
}

/// Where core mm finds a VMA's uffd ops (facts §1.5 A1/A2).
enum OpsLookup: String, Sendable { case hardcoded, vm_ops_pointer, get_uffd_ops, file_level }
/// How a memory type declares what it supports (facts §1.2, §1.4, §1.5 A3/A10).
enum CapabilityStyle: String, Sendable { case features_and_ioctls, ioctls, handlers }
/// How COPY/ZEROPAGE reach the memory type (facts §1.2 `uffd_copy`, §1.4 `alloc_folio`).
enum CopyDelegation: String, Sendable { case core, uffd_copy, alloc_hooks }
/// Who owns the unlocked copy retry (facts §3.2).
enum RetryOwner: String, Sendable {
    case enoentFoliop = "enoent_foliop"
    case snapshot
}
