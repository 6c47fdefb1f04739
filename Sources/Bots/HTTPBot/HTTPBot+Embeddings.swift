import BotKit
import BotTransport

extension HTTPBot {
    /// Embeddings over the upstream's own endpoint: OpenAI's `POST {base}/embeddings`
    /// (`data[].embedding`) or Ollama's `POST {base}/api/embed` (`embeddings`). One
    /// attempt, bounded like a chat call (deadline, response size), failures as `BotError`s.
    public func embed(_ request: EmbeddingRequest) async throws -> Embeddings {
        guard settings.api != .anthropic else { throw BotError.rejected("Anthropic's API makes no embeddings") }
        var body: JSONValue = ["model": .string(settings.model), "input": .array(request.inputs.map(JSONValue.string))]
        if let dimensions = request.dimensions { body["dimensions"] = .int(Int64(dimensions)) }
        if settings.api == .openai, let user = request.userID { body["user"] = .string(user) }
        let count = request.inputs.count
        return try await exchange(
            path: settings.api == .openai ? "/embeddings" : "/api/embed", body: body, deadline: request.deadline
        ) { [api = settings.api] in try Self.embeddings($0, api: api, count: count) }
    }

    /// One JSON exchange with the upstream outside a chat call (embeddings, token counts):
    /// behind the circuit breaker, one attempt, bounded by the deadline and the response
    /// size, failures as `BotError`s (an answer that is not what was asked counts against
    /// the upstream: `read` throwing a `WireError`).
    func exchange<Answer>(
        path: String, body: JSONValue, deadline: ContinuousClock.Instant, read: (JSONValue) throws -> Answer
    ) async throws -> Answer {
        // One deployment, as a chat call's first attempt picks it.
        guard let chosen = deployments.pick() else { throw BotError.unavailable("circuit open") }
        let deployment = deployments[chosen]
        let upstream = deployment.client
        let breaker = upstream.breaker
        deployment.started()
        defer { deployment.running.stopped() }
        let settings = endpoints[chosen]
        var body = body
        if body["model"] != nil { body["model"] = .string(settings.model) }
        let spec = upstream.transfer(
            settings.baseURL + path, headers: ["Content-Type: application/json"] + format.authHeaders(settings),
            body: body.jsonBytes, deadline: deadline)
        do {
            var status = 0
            var bytes: [UInt8] = []
            for try await event in upstream.transport.start(spec) {
                switch event {
                case .head(let code, _): status = code
                case .body(let chunk): bytes += chunk
                }
            }
            if status == 0, Task.isCancelled { throw CancellationError() }
            guard (200..<300).contains(status) else {
                throw upstream.statusFailure(status, retryAfter: nil, body: Array(bytes.prefix(UpstreamClient.loggedErrorBytes)))
            }
            let answer = try read(try UpstreamJSON.object(bytes))
            breaker.recordSuccess()
            return answer
        } catch let failure as AttemptFailure {
            deployment.noteFailure()
            if failure.countsAgainstUpstream { breaker.recordFailure() } else { breaker.recordNeutral() }
            throw failure.error
        } catch let error as TransportError {
            deployment.noteFailure()
            let failure = upstream.transportFailure(error, deadline: deadline)
            if failure.countsAgainstUpstream { breaker.recordFailure() } else { breaker.recordNeutral() }
            throw failure.error
        } catch is WireError {
            deployment.noteFailure()
            breaker.recordFailure()
            throw BotError.upstreamFailure(status: 0)
        } catch {
            // The caller went away (cancellation): says nothing about the upstream.
            breaker.recordNeutral()
            throw error
        }
    }

    /// The vectors of an embeddings answer, one per input, in input order.
    static func embeddings(_ object: JSONValue, api: HTTPBotSettings.API, count: Int) throws -> Embeddings {
        var vectors: [[Double]]
        var tokens: Int?
        if api == .openai {
            let items = object["data"]?.array ?? []
            vectors = Array(repeating: [], count: items.count)
            for (position, item) in items.enumerated() {
                let index = item["index"]?.int ?? position
                guard vectors.indices.contains(index) else { throw WireError.malformed("embedding index out of range") }
                vectors[index] = try numbers(item["embedding"])
            }
            tokens = object["usage"]?["prompt_tokens"]?.int
        } else {
            vectors = try (object["embeddings"]?.array ?? []).map(numbers)
            tokens = object["prompt_eval_count"]?.int
        }
        guard vectors.count == count, vectors.allSatisfy({ $0.isEmpty == false }) else {
            throw WireError.malformed("expected \(count) embeddings")
        }
        return Embeddings(vectors: vectors, inputTokens: tokens)
    }

    private static func numbers(_ value: JSONValue?) throws -> [Double] {
        guard let items = value?.array else { throw WireError.malformed("an embedding is not an array") }
        return try items.map { item in
            guard let number = item.double else { throw WireError.malformed("an embedding holds a non-number") }
            return number
        }
    }
}
