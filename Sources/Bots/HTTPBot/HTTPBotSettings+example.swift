extension HTTPBotSettings {
    /// The HTTP bot's settings with their defaults, for `.env.example` (read in `init`).
    static let example = """
        # HTTP bot as the default (BOT_PROVIDER=http): an OpenAI-compatible server
        # BOT_HTTP_URL=https://api.openai.com/v1
        # BOT_HTTP_API=openai               # openai (default), anthropic, ollama
        # BOT_HTTP_API_KEY=sk-...
        # BOT_HTTP_MODEL=gpt-4o-mini
        # BOT_HTTP_MAX_TOKENS=512           # also the cap on a client's max_tokens
        # BOT_HTTP_TEMPERATURE=0.7
        # BOT_HTTP_HEADERS=OpenAI-Organization: org-123      # extra headers, `Name: value` separated by ;
        # BOT_HTTP_STREAM=true              # ask the upstream to stream (default true)
        # BOT_HTTP_CONNECT_TIMEOUT_SECONDS=10
        # BOT_HTTP_IDLE_TIMEOUT_SECONDS=30  # longest silence between received bytes
        # BOT_HTTP_RETRIES=2                # extra attempts before any output (connect errors, 429, 502, 503)
        # BOT_HTTP_RETRY_BASE_MS=250        # first backoff, doubled per attempt, with jitter
        # BOT_HTTP_BREAKER_FAILURES=5       # consecutive failures that open the circuit
        # BOT_HTTP_BREAKER_COOLDOWN_SECONDS=30
        # BOT_HTTP_CA_FILE=/etc/ssl/certs/ca-certificates.crt
        # BOT_HTTP_MAX_RESPONSE_BYTES=8388608
        # BOT_HTTP_ANTHROPIC_VERSION=2023-06-01
        # BOT_HTTP_EXTRAS=top_k,min_p         # request members clients may pass through (default none)

        # A named Anthropic bot (BOTS=claude=http):
        # BOT_CLAUDE_URL=https://api.anthropic.com
        # BOT_CLAUDE_API=anthropic
        # BOT_CLAUDE_API_KEY=sk-ant-...
        # BOT_CLAUDE_MODEL=claude-sonnet-4-5
        # BOT_CLAUDE_MAX_TOKENS=1024

        # One bot over several deployments (API keys, regions, replicas; BOTS=pool=http):
        # BOT_POOL_URL=https://a.example.com/v1,https://b.example.com/v1   # one URL per deployment
        # BOT_POOL_API_KEY=sk-a,sk-b         # one for all, or one per URL (also MODEL)
        # BOT_POOL_MODEL=gpt-4o-mini
        # BOT_POOL_WEIGHTS=3,1               # each URL's share of calls (default all 1)
        # BOT_POOL_BALANCE=least-in-flight   # or weighted (chance by weight)

        # A named local Ollama bot (BOTS=local=http):
        # BOT_LOCAL_URL=http://127.0.0.1:11434
        # BOT_LOCAL_API=ollama
        # BOT_LOCAL_MODEL=llama3.2
        """
}
