import BotKit
import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayMemory
@testable import GatewayOps

/// The conversation, usage, key, budget and administrator stores held to one contract.
extension RepositoryContractTests {
    static func turn(
        _ conversation: UUID, user: Int, new: Bool, _ text: String, status: MessageStatus = .ok, tokens: Int = 0
    ) -> ChatTurn {
        ChatTurn(
            conversationID: conversation, isNew: new, userID: user, bot: "echo", userMessageID: UUID(),
            userMessage: text, assistantMessageID: UUID(), reply: "re: \(text)", status: status, finishReason: "stop",
            usage: TokenUsage(inputTokens: tokens, outputTokens: tokens), latencyMs: 5,
            accounted: tokens > 0 ? TokenUsage(inputTokens: tokens, outputTokens: tokens) : nil)
    }

    @Test(arguments: Store.allCases)
    func turnsAreStoredOnceOwnedAndPagedNewestFirst(store: Store) async throws {
        try await Self.with(store) { r in
            let ed = try await r.users.create(name: "Ed", email: "ed@example.com", passwordHash: "h")
            let fay = try await r.users.create(name: "Fay", email: "fay@example.com", passwordHash: "h")
            let ids = [UUID(), UUID(), UUID()]
            for (index, id) in ids.enumerated() {
                try await r.conversations.store(Self.turn(id, user: ed.id, new: true, "q\(index)"))
            }
            // The same turn written twice (a lost reply): stored and counted once.
            let twice = Self.turn(ids[0], user: ed.id, new: false, "again", tokens: 7)
            try await r.conversations.store(twice)
            try await r.conversations.store(twice)
            try await r.conversations.store(Self.turn(ids[0], user: ed.id, new: false, "broken", status: .failed))
            #expect(try await r.usage.tokensToday(userID: ed.id).used == 14)
            // Another user can neither write into nor read a conversation.
            await #expect(throws: ChatError.conversationNotFound) {
                try await r.conversations.store(Self.turn(ids[0], user: fay.id, new: true, "mine?"))
            }
            await #expect(throws: ChatError.conversationNotFound) {
                try await r.conversations.store(Self.turn(UUID(), user: ed.id, new: false, "nowhere"))
            }
            #expect(try await r.conversations.owner(of: ids[0], userID: fay.id) == .someoneElse)
            #expect(try await r.conversations.owner(of: ids[0], userID: ed.id) == .caller)
            #expect(try await r.conversations.owner(of: UUID(), userID: ed.id) == .nobody)
            #expect(try await r.conversations.history(conversationID: ids[0], userID: fay.id, limit: 10) == nil)
            // History leaves failed answers out, oldest first, the last `limit` messages.
            let history = try #require(try await r.conversations.history(conversationID: ids[0], userID: ed.id, limit: 3))
            #expect(history.map(\.content) == ["again", "re: again", "broken"])
            let (summary, messages) = try #require(try await r.conversations.conversation(id: ids[0], userID: ed.id))
            #expect(summary.title == "q0")
            #expect(messages.count == 6)
            #expect(messages.last?.status == .failed)
            // Newest first (the one just written to), two per page, then the rest.
            let first = try await r.conversations.list(userID: ed.id, limit: 2, after: nil)
            #expect(first.items.map(\.id) == [ids[0], ids[2]].map(\.lowercasedString))
            let rest = try await r.conversations.list(userID: ed.id, limit: 2, after: try #require(first.next))
            #expect(rest.items.map(\.id) == [ids[1].lowercasedString])
            #expect(rest.next == nil)
            #expect(try await r.conversations.list(userID: fay.id, limit: 2, after: nil).items.isEmpty)
            #expect(try await r.conversations.delete(id: ids[1], userID: fay.id) == false)
            #expect(try await r.conversations.delete(id: ids[1], userID: ed.id))
            #expect(try await r.conversations.conversation(id: ids[1], userID: ed.id) == nil)
        }
    }

    @Test(arguments: Store.allCases)
    func keysGrantUntilRevokedAndUsageIsKeptPerKey(store: Store) async throws {
        try await Self.with(store) { r in
            let gus = try await r.users.create(name: "Gus", email: "gus@example.com", passwordHash: "h")
            let hash = APIKeySecret.hash("gwk_test")
            let key = try await r.apiKeys.create(
                userID: gus.id, name: "ci", prefix: "gwk_abc", hash: hash, scope: .inference, bots: nil, expiresAt: nil)
            let id = try #require(UUID(uuidString: key.id))
            #expect(
                try await r.apiKeys.grant(hash: hash)
                    == APIKeyGrant(keyID: id, userID: gus.id, scope: .inference, bots: .everyBot, expiresAt: nil))
            #expect(try await r.apiKeys.list(userID: gus.id).map(\.name) == ["ci"])
            // A key limited to some bots keeps its list, in order.
            let limited = try await r.apiKeys.create(
                userID: gus.id, name: "two", prefix: "gwk_two", hash: APIKeySecret.hash("gwk_two"), scope: .full,
                bots: ["echo", "b-2"],
                expiresAt: nil)
            #expect(limited.bots == ["echo", "b-2"])
            #expect(try await r.apiKeys.grant(hash: APIKeySecret.hash("gwk_two"))?.bots == BotAccess(names: ["b-2", "echo"]))
            #expect(try await r.apiKeys.list(userID: gus.id).map(\.bots) == [["echo", "b-2"], nil])
            let limitedID = try #require(UUID(uuidString: limited.id))
            #expect(try await r.apiKeys.revoke(id: limitedID, userID: gus.id) == APIKeySecret.hash("gwk_two"))
            try await r.apiKeys.touch(ids: [id])
            #expect(try await r.apiKeys.list(userID: gus.id).first?.lastUsedAt != nil)
            try await r.usage.record([
                UsageEntry(
                    userID: gus.id, bot: "echo", keyID: id, tokens: TokenUsage(inputTokens: 2, outputTokens: 3), costNanos: 9),
                UsageEntry(
                    userID: gus.id, bot: "echo", keyID: nil, tokens: TokenUsage(inputTokens: 1, outputTokens: 1), costNanos: 0),
            ])
            let today = UTCDay.string(Date())
            let rows = try await r.usage.usage(userID: gus.id, from: today, to: today)
            #expect(rows.map(\.requests) == [2])
            #expect(rows.map(\.inputTokens) == [3])
            let report = try await r.admins.usage(from: today, to: today, userID: gus.id)
            #expect(report.byKey.map(\.keyID) == [id])
            #expect(report.byKey.map(\.costNanos) == [9])
            // Leases count every replica's requests of a minute, capped past the limit.
            let minute = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await r.usage.leaseRequests(userID: gus.id, minute: minute, count: 3, limit: 4) == 3)
            #expect(try await r.usage.leaseRequests(userID: gus.id, minute: minute, count: 3, limit: 4) == 6)
            #expect(try await r.usage.leaseRequests(userID: gus.id, minute: minute, count: 3, limit: 4) == 7)
            #expect(try await r.apiKeys.revoke(id: id, userID: gus.id + 1) == nil)
            #expect(try await r.apiKeys.revoke(id: id, userID: gus.id) == hash)
            #expect(try await r.apiKeys.revoke(id: id, userID: gus.id) == nil)
            #expect(try await r.apiKeys.grant(hash: hash) == nil)
            #expect(try await r.apiKeys.list(userID: gus.id).isEmpty)
        }
    }

    @Test(arguments: Store.allCases)
    func budgetsAdmitWhatFitsAndChargeEachHoldOnce(store: Store) async throws {
        try await Self.with(store) { r in
            let hal = try await r.users.create(name: "Hal", email: "hal@example.com", passwordHash: "h")
            try await r.usage.record([
                UsageEntry(
                    userID: hal.id, bot: "echo", keyID: nil, tokens: TokenUsage(inputTokens: 1, outputTokens: 1), costNanos: 0)
            ])
            #expect(try await r.budgets.put(userID: hal.id + 99, keyID: nil, unit: .tokens, period: .day, limit: 10) == nil)
            #expect(try await r.budgets.put(userID: hal.id, keyID: UUID(), unit: .tokens, period: .day, limit: 10) == nil)
            // A new budget counts the period's usage so far.
            let budget = try #require(try await r.budgets.put(userID: hal.id, keyID: nil, unit: .tokens, period: .day, limit: 12))
            #expect(budget.spent == 2)
            #expect(try await r.budgets.rules(userID: hal.id) == [BudgetRule(id: budget.id, keyID: nil, unit: .tokens)])
            let hold = UUID()
            #expect(
                try await r.budgets.reserve(holdID: hold, userID: hal.id, keyID: nil, tokens: 8, costNanos: 0, ttl: .seconds(60))
                    == nil)
            let wait = try await r.budgets.reserve(
                holdID: UUID(), userID: hal.id, keyID: nil, tokens: 5, costNanos: 0, ttl: .seconds(60))
            #expect((wait ?? 0) >= 1)
            #expect(try await r.budgets.list(userID: hal.id).first?.reserved == 8)
            let settlement = BudgetSettlement(holdID: hold, userID: hal.id, keyID: nil, tokens: 3, costNanos: 0)
            try await r.budgets.settle([settlement])
            try await r.budgets.settle([settlement])
            let settled = try #require(try await r.budgets.list(userID: hal.id).first)
            #expect(settled.spent == 5)
            #expect(settled.reserved == 0)
            // An expired hold is charged in full.
            #expect(
                try await r.budgets.reserve(holdID: UUID(), userID: hal.id, keyID: nil, tokens: 4, costNanos: 0, ttl: .zero)
                    == nil)
            _ = try await r.budgets.releaseExpired()
            #expect(try await r.budgets.list(userID: hal.id).first?.spent == 9)
            // The same user, unit and period: the limit changes, nothing else.
            let raised = try await r.budgets.put(userID: hal.id, keyID: nil, unit: .tokens, period: .day, limit: 50)
            #expect(raised?.id == budget.id)
            #expect(raised?.spent == 9)
            #expect(try await r.budgets.delete(id: budget.id))
            #expect(try await r.budgets.delete(id: budget.id) == false)
            #expect(try await r.budgets.anyBudget().isEmpty)
        }
    }

    @Test(arguments: Store.allCases)
    func administratorsDisableAndDeleteUsersWithWhatTheyOwn(store: Store) async throws {
        try await Self.with(store) { r in
            let ida = try await r.users.create(name: "Ida", email: "Ida@example.com", passwordHash: "h")
            let jo = try await r.users.create(name: "Jo", email: "jo@example.com", passwordHash: "h")
            #expect(try await r.admins.isAdmin(userID: ida.id) == false)
            #expect(try await r.admins.setAdmin(email: "IDA@example.com", true))
            #expect(try await r.admins.setAdmin(email: "nobody@example.com", true) == false)
            #expect(try await r.admins.isAdmin(userID: ida.id))
            #expect(try await r.admins.users(search: "JO", limit: 10, after: nil).map(\.id) == [jo.id])
            #expect(try await r.admins.users(search: nil, limit: 10, after: ida.id).map(\.id) == [jo.id])
            _ = try await r.sessions.start(userID: jo.id, tokenHash: "jo-1", client: Self.phone, policy: Self.policy)
            _ = try await r.apiKeys.create(
                userID: jo.id, name: "k", prefix: "gwk_j", hash: "jo-key", scope: .full, bots: nil, expiresAt: nil)
            let conversation = UUID()
            try await r.conversations.store(Self.turn(conversation, user: jo.id, new: true, "hi", tokens: 1))
            #expect(try await r.admins.daily(days: 2).last?.requests == 1)
            #expect(try await r.admins.keys(limit: 10).map(\.state) == ["active"])
            #expect(try await r.admins.setDisabled(userID: jo.id, true))
            #expect(try await r.sessions.owner(tokenHash: "jo-1") == nil)
            #expect(try await r.users.find(id: jo.id) == nil)
            #expect(try await r.admins.setDisabled(userID: jo.id, false))
            #expect(try await r.users.find(id: jo.id) == jo)
            #expect(try await r.admins.delete(userID: jo.id))
            #expect(try await r.admins.delete(userID: jo.id) == false)
            #expect(try await r.apiKeys.grant(hash: "jo-key") == nil)
            #expect(try await r.conversations.owner(of: conversation, userID: jo.id) == .nobody)
            #expect(try await r.admins.setDisabled(userID: jo.id, true) == false)
        }
    }
}
