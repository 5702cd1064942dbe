/// The script language: parser errors carry their line, and scripts run end to end.
import Foundation
import Testing
@testable import UffdModel

struct BadScript: CustomTestStringConvertible, Sendable {
    var text: String
    var line: Int
    var fragment: String
    var testDescription: String { "line \(line): \(fragment)" }
}

@Suite struct ScriptTests {
    static let bad: [BadScript] = [
        BadScript(text: "mmap a anon pages=1\nfrobnicate a\n", line: 2, fragment: "unknown op 'frobnicate'"),
        BadScript(text: "# comment\n\nmmap a anon\n", line: 3, fragment: "needs pages=N"),
        BadScript(text: "mmap a anon shmem pages=1\n", line: 1, fragment: "exactly one TYPE"),
        BadScript(text: "mmap a anon pages=1\napi features=EVENT_FORK,NOPE\n", line: 2, fragment: "unknown feature 'nope'"),
        BadScript(text: "mmap a anon pages=1\napi\nregister a mode=missing,sideways\n", line: 3, fragment: "unknown mode 'sideways'"),
        BadScript(text: "api\nregister b mode=missing\n", line: 2, fragment: "unknown mapping 'b'"),
        BadScript(text: "mmap a anon pages=1\ncopy a pages=-1\n", line: 2, fragment: "pages must be"),
        BadScript(text: "mmap a anon pages=1\ncopy a src=sometimes\n", line: 2, fragment: "src must be"),
        BadScript(text: "mmap a anon pages=1\ncopy a ctx=nope\n", line: 2, fragment: "unknown userfaultfd 'nope'"),
        BadScript(text: "driver no-such-module\n", line: 1, fragment: "unknown driver"),
        BadScript(text: "design Q7\n", line: 1, fragment: "unknown preset"),
        BadScript(text: "design P2,retry=maybe\n", line: 1, fragment: "value must be one of"),
        BadScript(text: "mmap a anon pages=1\nexpect errno=EWHAT\n", line: 2, fragment: "unknown errno"),
        BadScript(text: "mmap a anon pages=1\nexpect on=Z9\n", line: 2, fragment: "unknown preset"),
        BadScript(text: "thread\n", line: 1, fragment: "expects one argument"),
        BadScript(text: "thread a\nthread b\nthread c\nthread d\n", line: 4, fragment: "at most 4 threads"),
        BadScript(text: "mmap a anon pages=99999999\n", line: 1, fragment: "pages must be"),
        BadScript(text: "mmap a anon pages=1\nmove a\n", line: 2, fragment: "expected 2 name(s)"),
        BadScript(text: "mmap a anon pages=1\nmadvise a sideways\n", line: 2, fragment: "unexpected word"),
    ]

    @Test(arguments: bad)
    func errorsCarryTheLine(_ c: BadScript) {
        do {
            _ = try Simulator.run(script: c.text, design: nil)
            Issue.record("accepted: \(c.text)")
        } catch {
            #expect(error.line == c.line, "\(error)")
            #expect(error.description.contains(c.fragment), "\(error)")
            #expect(error.description.hasPrefix("line \(c.line): "))
        }
    }

    @Test func designLineIsUsedUnlessOverridden() throws {
        let text = "design P2\nmmap s shmem pages=1 private\npwrite s\napi\nregister s mode=minor\ncontinue s\n"
        let own = try Simulator.run(script: text, design: nil)
        #expect(own.design.preset == .P2)
        #expect(own.steps.last?.errno == .EINVAL)
        let overridden = try Simulator.run(script: text, design: Design(preset: .D0))
        #expect(overridden.design.preset == .D0)
        #expect(overridden.steps.last?.errno == nil)
        #expect(overridden.steps.last?.output["mapped"] == 4096)
    }

    @Test func everyOpBeforeApiIsEinvalAndSecondApiToo() throws {
        let r = try Simulator.run(script: """
            mmap a anon pages=1
            register a mode=missing
            copy a
            readevent
            api
            api
            """, design: nil)
        #expect(r.steps.map(\.short) == ["ok", "EINVAL", "EINVAL", "EINVAL", "ok", "EINVAL"])
    }

    @Test func failedExpectationsAreReportedNotThrown() throws {
        let r = try Simulator.run(script: "mmap a anon pages=1\napi\nregister a mode=minor\nexpect errno=ok\n", design: nil)
        #expect(r.failedExpectations.count == 1)
        #expect(r.failedExpectations.first?.hasPrefix("line 4:") == true)
    }

    @Test func stepJsonShapeMatchesTheProbeContract() throws {
        let r = try Simulator.run(script: "mmap a anon pages=1\napi\nregister a mode=missing\ncopy a\n", design: nil)
        let obj = SimRendering.jsonObject(r)
        let steps = try #require(obj["steps"] as? [[String: Any]])
        #expect(steps.count == 4)
        #expect(steps[2]["op"] as? String == "register")
        #expect((steps[2]["ioctls"] as? NSNumber)?.intValue == 0x13c)
        #expect(steps[3]["ioctls"] is NSNull)
        #expect(steps[3]["errno"] is NSNull)
        #expect((steps[3]["output"] as? [String: Any])?["copy"] as? Int == 4096)
        #expect(obj["design"] as? String == "D0")
    }
}
