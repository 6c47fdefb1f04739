import BotKit
import GatewayCore

/// A turn being answered, pulled one delta at a time by whoever writes it to the client:
/// the chosen bot, then `BOT_FALLBACK` when the chosen one fails before any output, then
/// the stored turn. `finish()` records it once (later calls return the same outcome); a
/// run dropped unfinished (its response never written) is cancelled and still recorded
/// (by `DroppedTurns`).
/// Used by one task at a time.
public final class TurnRun: @unchecked Sendable {
    package let turn: ChatService.PreparedTurn
    private let recorder: TurnRecorder
    private let context: BotCall.Context
    private let started = ContinuousClock.now
    private var call: BotCall
    /// The bot to try once when the chosen one fails before any output.
    private var fallback: BotDirectory.Entry?
    private var ended: ChatService.TurnResult?
    private var recorded: Result<ChatService.TurnResult, ChatService.TurnNotStored>?

    package init(
        _ turn: ChatService.PreparedTurn, fallback: BotDirectory.Entry?, recorder: TurnRecorder, context: BotCall.Context
    ) {
        self.turn = turn
        self.recorder = recorder
        self.context = context
        self.fallback = fallback
        call = BotCall(turn, bot: turn.bot, context: context)
    }

    deinit {
        guard recorded == nil else { return }
        let (turn, recorder, latency) = (turn, recorder, ContinuousClock.now - started)
        let result = ended ?? call.cancelled()
        recorder.dropped.submit { try? await recorder.record(turn, result, latency: latency) }
    }

    /// The next piece of the answer; nil once it ended (finished, failed or cancelled).
    public func next() async -> ChatService.TurnPiece? {
        while ended == nil {
            switch await call.next() {
            case .piece(let piece): return piece
            case .ended(let result): settle(result)
            }
        }
        return nil
    }

    /// A call ended: the turn's end, or the fallback's call when the chosen bot failed
    /// before any output. A bot refusing the request (`rejected`) is answered as such, not
    /// by another bot; so is a failure after which the upstream may have run the call (a
    /// timeout, 500, 504: `outcomeUnknown`), which is charged as if it ran: a second call
    /// could be paid twice and overspend the budget that reserved one.
    private func settle(_ result: ChatService.TurnResult) {
        guard case .failed(let error) = result.outcome, let fallback, error.isRejection == false,
            error.outcomeUnknown == false
        else {
            ended = result
            return
        }
        self.fallback = nil
        context.logger.warning(
            "bot failed; trying the fallback",
            metadata: ["bot": .string(result.bot), "error": .string("\(error)"), "fallback": .string(fallback.name)])
        context.metrics.call(bot: fallback.name, .fallback)
        call = BotCall(turn, bot: fallback, context: context)
    }

    /// Stops the answer (the client went away): what was produced is stored as partial.
    public func cancel() {
        if ended == nil { ended = call.cancelled() }
    }

    /// Ends the answer (reading what is left) and records the turn; returns once it is
    /// committed, or throws `TurnNotStored`.
    public func finish() async throws(ChatService.TurnNotStored) -> ChatService.TurnResult {
        if let recorded { return try recorded.get() }
        while await next() != nil {}
        let result = ended ?? call.cancelled()
        do throws(ChatService.TurnNotStored) {
            try await recorder.record(turn, result, latency: ContinuousClock.now - started)
            recorded = .success(result)
            return result
        } catch {
            recorded = .failure(error)
            throw error
        }
    }
}
