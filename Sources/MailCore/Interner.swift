import Foundation

/// Hands out one shared `String` per distinct byte sequence while one input is parsed, so the
/// addresses and Message-IDs that recur across messages (list addresses, maintainers,
/// references to the same cover letter) are stored once. Values are unchanged: only storage is
/// shared. Short strings (15 bytes or fewer) are stored inline by `String` and not interned.
final class Interner {
    /// The interned strings with their hashes, and the open-addressing slots (index into
    /// `strings`, or -1).
    private struct Table {
        var strings: [String] = []
        var hashes: [UInt64] = []
        var slots: [Int32] = Array(repeating: -1, count: 4096)
    }

    /// Held through a pointer rather than as a stored property: the interner serves one parse
    /// at a time, and a pointee's accesses need no run-time exclusivity bookkeeping (a class
    /// property's do, on every lookup).
    private let table: UnsafeMutablePointer<Table>
    /// Work buffers of the address parser, reused across the messages of the input.
    let addressBuffers = AddressParser.Buffers()

    init() {
        table = .allocate(capacity: 1)
        table.initialize(to: Table())
    }

    deinit {
        table.deinitialize(count: 1)
        table.deallocate()
    }

    /// A quick hash of the bytes, eight at a time.
    static func hash(_ b: Bytes) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(b.count)
        guard let base = b.baseAddress else { return h }
        let p = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        while i < b.count {
            h = (h ^ UInt64(b[i])) &* 0x100000001b3
            i += 1
        }
        return h ^ (h >> 32)
    }

    /// The string for UTF-8 bytes (decoded like `String(decoding:as:)`).
    func string(_ b: Bytes) -> String {
        if b.count <= 15 { return String(decoding: b, as: UTF8.self) }
        return Self.intern(b, &table.pointee)
    }

    private static func intern(_ b: Bytes, _ t: inout Table) -> String {
        let h = hash(b)
        let mask = t.slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let k = Int(t.slots[i])
            if k < 0 { break }
            if t.hashes[k] == h {
                var s = t.strings[k]
                let same = s.withUTF8 { u -> Bool in
                    guard u.count == b.count, let p = u.baseAddress, let q = b.baseAddress else { return false }
                    return memcmp(p, q, b.count) == 0
                }
                if same { return s }
            }
            i = (i + 1) & mask
        }
        let s = String(decoding: b, as: UTF8.self)
        t.slots[i] = Int32(truncatingIfNeeded: t.strings.count)
        t.strings.append(s)
        t.hashes.append(h)
        if t.strings.count * 2 > t.slots.count { grow(&t) }
        return s
    }

    /// `string(_:)` for an array's bytes.
    func string(_ a: [UInt8]) -> String {
        a.withUnsafeBufferPointer { string($0) }
    }

    private static func grow(_ t: inout Table) {
        t.slots = Array(repeating: -1, count: t.slots.count * 2)
        let mask = t.slots.count - 1
        for (k, h) in t.hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while t.slots[i] >= 0 { i = (i + 1) & mask }
            t.slots[i] = Int32(truncatingIfNeeded: k)
        }
    }
}

/// A map from strings to values for the identifiers of one input (Message-IDs while
/// collapsing duplicates and threading, and in the review builder): open addressing on the interner's quick hash of the
/// UTF-8 bytes, which costs less per lookup than `Dictionary`'s seeded hashing of a `String`.
public struct StringTable<Value> {
    private var keys: [String] = []
    private var hashes: [UInt64] = []
    private var values: [Value] = []
    /// Index into `keys`, or -1.
    private var slots: [Int32]

    /// An empty table with room for `capacity` keys before it grows.
    public init(capacity: Int) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: -1, count: n)
    }

    public var count: Int { keys.count }

    /// Runs `body` on the UTF-8 bytes of `s` (in place when they are contiguous).
    @inline(__always)
    private static func withBytes<R>(_ s: String, _ body: (Bytes) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }

    /// The slot holding `key`, or the empty slot where it would go; and its hash.
    private func find(_ key: String) -> (slot: Int, hash: UInt64) {
        Self.withBytes(key) { b -> (Int, UInt64) in
            let h = Interner.hash(b)
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let k = Int(slots[i])
                if k < 0 { return (i, h) }
                if hashes[k] == h, Self.withBytes(keys[k], { u -> Bool in
                    guard u.count == b.count else { return false }
                    guard let p = u.baseAddress, let q = b.baseAddress else { return true }
                    return memcmp(p, q, b.count) == 0
                }) {
                    return (i, h)
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The value for `key`, or nil.
    public subscript(key: String) -> Value? {
        let k = Int(slots[find(key).slot])
        return k < 0 ? nil : values[k]
    }

    /// The value for `key`, inserting `make()` first when there is none.
    public mutating func value(for key: String, orInsert make: () -> Value) -> Value {
        let (slot, h) = find(key)
        let k = Int(slots[slot])
        if k >= 0 { return values[k] }
        let v = make()
        slots[slot] = Int32(truncatingIfNeeded: keys.count)
        keys.append(key)
        hashes.append(h)
        values.append(v)
        if keys.count * 2 > slots.count { grow() }
        return v
    }

    /// Sets the value for `key` (inserting it when new).
    public mutating func set(_ key: String, _ value: Value) {
        let (slot, h) = find(key)
        let k = Int(slots[slot])
        if k >= 0 {
            values[k] = value
            return
        }
        slots[slot] = Int32(truncatingIfNeeded: keys.count)
        keys.append(key)
        hashes.append(h)
        values.append(value)
        if keys.count * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (k, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(truncatingIfNeeded: k)
        }
    }
}

extension StringTable: Sendable where Value: Sendable {}
