using SlotSharp.Engine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// The engine's prefix cache (<see cref="EngineOptions.PrefixCache"/>): a request that starts with a cached prompt's
/// tokens prefills only the rest. What it decodes is held to the goldens, and to the same request on an engine without
/// the cache (a fresh prefill): greedy ids identical, log-probabilities and SLOT's delta within 1e-4. Each test runs its
/// own engine, so the cache starts empty.
/// </summary>
public class EnginePrefixCacheTests(EngineBackends backends) : IClassFixture<EngineBackends>
{
    const double Tolerance = 1e-4;

    static EngineRequest Greedy(int[] ids, int maxNewTokens, SlotOptions? slot, bool promptLogprobs = false) => new(ids)
    {
        Generation = new GenerationOptions { MaxNewTokens = maxNewTokens },
        IgnoreEos = true,
        Slot = slot,
        Logprobs = 1,
        PromptLogprobs = promptLogprobs,
    };

    static SlotOptions? Slot(bool on) => on ? new SlotOptions { Times = 5, Lr = 0.1 } : null;

    [SkippableTheory]
    [InlineData("torch", false)]
    [InlineData("torch", true)]
    [InlineData("llamacpp", false)]
    [InlineData("llamacpp", true)]
    public void AGoldenPromptSentTwiceDecodesItsGoldenTokensFromTheCache(string backend, bool slot)
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len60");
        int[] ids = Golden.Ints(p["input_ids"]);
        var gen = p["generate"]!;
        var expected = Golden.Ints(gen[slot ? "greedy_seed_times5_lr0.1" : "greedy_times0"]);
        using var engine = backends.Engine(backend, golden, new EngineOptions());
        var request = new EngineRequest(ids)
        {
            Generation = new GenerationOptions { MaxNewTokens = (int)gen["max_new_tokens"]!, StopIds = Golden.Ints(gen["stop_ids"]) },
            IgnoreEos = true,
            Slot = Slot(slot),
        };
        var first = engine.Generate(request).ThrowIfFailed();
        Assert.Equal(0, engine.Metrics.PrefixCacheHits);
        var second = engine.Generate(request).ThrowIfFailed();
        Assert.Equal(1, engine.Metrics.PrefixCacheHits);
        Assert.Equal(ids.Length - 1, engine.Metrics.PrefixCacheReusedTokens); // the last position always runs
        Assert.Equal(expected, first.GeneratedIds);
        Assert.Equal(expected, second.GeneratedIds);
        Assert.Equal(0, engine.Metrics.KvReserved); // entries hold KV outside every reservation
    }

    [SkippableTheory]
    [InlineData("torch", false)]
    [InlineData("torch", true)]
    [InlineData("llamacpp", false)]
    [InlineData("llamacpp", true)]
    public void APromptSharingAPrefixDecodesWhatAFreshPrefillGives(string backend, bool slot)
    {
        var golden = Golden.Load("tiny-qwen2");
        int[] longer = Golden.Ints(golden.Prompt("len300")["input_ids"]);
        int[] other = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        int[] shared = [.. longer[..200], .. other]; // 200 tokens in common, then another text
        EngineResult cached;
        using (var engine = backends.Engine(backend, golden, new EngineOptions()))
        {
            engine.Generate(Greedy(longer, 4, Slot(slot), promptLogprobs: true)).ThrowIfFailed();
            cached = engine.Generate(Greedy(shared, 16, Slot(slot), promptLogprobs: true)).ThrowIfFailed();
            Assert.Equal(1, engine.Metrics.PrefixCacheHits);
            Assert.Equal(200, engine.Metrics.PrefixCacheReusedTokens);
        }
        EngineResult fresh;
        using (var engine = backends.Engine(backend, golden, new EngineOptions { PrefixCache = false }))
        {
            fresh = engine.Generate(Greedy(shared, 16, Slot(slot), promptLogprobs: true)).ThrowIfFailed();
            Assert.Equal(0, engine.Metrics.PrefixCacheHits);
        }
        Assert.Equal(fresh.GeneratedIds, cached.GeneratedIds);
        AssertClose(fresh.Logprobs!.Select(l => l.Logprob), cached.Logprobs!.Select(l => l.Logprob), "generated tokens' log-probabilities");
        // Every prompt position's logits: the reused rows come from the cache's copy, the rest from the shorter prefill.
        AssertClose(fresh.PromptLogprobs!.Select(l => l.Logprob), cached.PromptLogprobs!.Select(l => l.Logprob), "prompt log-probabilities");
        if (slot)
        {
            AssertClose(fresh.Slot!.Losses.Select(x => (double)x), cached.Slot!.Losses.Select(x => (double)x), "SLOT losses");
            AssertClose(fresh.Slot.Delta.Select(x => (double)x), cached.Slot.Delta.Select(x => (double)x), "SLOT delta");
        }
    }

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void TheNextTurnReusesTheLastAnswerAndDecodesWhatAFreshPrefillGives(string backend)
    {
        var golden = Golden.Load("tiny-qwen2");
        int[] turn1 = Golden.Ints(golden.Prompt("len60")["input_ids"]);
        int[] user2 = Golden.Ints(golden.Prompt("len8")["input_ids"]);
        EngineResult cached;
        int[] turn2;
        using (var engine = backends.Engine(backend, golden, new EngineOptions()))
        {
            var answer = engine.Generate(Greedy(turn1, 12, null)).ThrowIfFailed();
            // A chat's next prompt: the conversation so far (prompt and answer) and the new message.
            turn2 = [.. turn1, .. answer.GeneratedIds, .. user2];
            cached = engine.Generate(Greedy(turn2, 12, null)).ThrowIfFailed();
            Assert.Equal(1, engine.Metrics.PrefixCacheHits);
            // The answer's last token was never fed back, so the cache holds all but it.
            Assert.Equal(turn1.Length + answer.GeneratedIds.Length - 1, engine.Metrics.PrefixCacheReusedTokens);
        }
        using (var engine = backends.Engine(backend, golden, new EngineOptions { PrefixCache = false }))
        {
            var fresh = engine.Generate(Greedy(turn2, 12, null)).ThrowIfFailed();
            Assert.Equal(fresh.GeneratedIds, cached.GeneratedIds);
            AssertClose(fresh.Logprobs!.Select(l => l.Logprob), cached.Logprobs!.Select(l => l.Logprob), "log-probabilities");
        }
    }

    [SkippableTheory]
    [InlineData("torch")]
    [InlineData("llamacpp")]
    public void CachedPrefixesAreEvictedLeastRecentlyUsed(string backend)
    {
        var golden = Golden.Load("tiny-qwen2");
        int[] body = Golden.Ints(golden.Prompt("len8")["input_ids"]);
        int[] Prompt(int first) => [first, .. body]; // no two share their first token
        using var engine = backends.Engine(backend, golden, new EngineOptions { PrefixCacheEntries = 2 });
        void Send(int first) => engine.Generate(Greedy(Prompt(first), 1, null)).ThrowIfFailed(); // 1 token: no answer is cached
        Send(100);
        Send(101);
        Assert.Equal(2, engine.Metrics.PrefixCacheEntries);
        Send(100); // a hit, and now the most recently used
        Assert.Equal(1, engine.Metrics.PrefixCacheHits);
        Send(102); // evicts 101, the least recently used
        Assert.Equal(1, engine.Metrics.PrefixCacheEvictions);
        Assert.Equal(2, engine.Metrics.PrefixCacheEntries);
        Send(101);
        Assert.Equal(1, engine.Metrics.PrefixCacheHits); // 101 was gone
        Send(102);
        Assert.Equal(2, engine.Metrics.PrefixCacheHits);
    }

    [SkippableFact]
    public void ARequestThatNeedsTheCacheKvEvictsCachedPrefixes()
    {
        // llama.cpp's pool of 4096 cells (EngineBackends): entries hold cells until a request's reservation needs them.
        var golden = Golden.Load("tiny-qwen2");
        int[] body = Golden.Ints(golden.Prompt("len300")["input_ids"]);
        using var engine = backends.Engine("llamacpp", golden, new EngineOptions());
        for (int first = 100; first < 104; first++) engine.Generate(Greedy([first, .. body], 1, null)).ThrowIfFailed();
        Assert.Equal(4, engine.Metrics.PrefixCacheEntries);
        Assert.Equal(0, engine.Metrics.PrefixCacheEvictions);
        long capacity = engine.Metrics.KvCapacity;
        int[] prompt = [200, .. body];
        var big = Greedy(prompt, (int)(capacity - prompt.Length - 400), null) with { StopWhen = generated => generated.Count >= 4 };
        var result = engine.Generate(big).ThrowIfFailed();
        Assert.Equal(4, result.GeneratedIds.Length);
        Assert.True(engine.Metrics.PrefixCacheEvictions >= 3, $"{engine.Metrics.PrefixCacheEvictions} evictions");
        Assert.Equal(0, engine.Metrics.KvReserved);
    }

    static void AssertClose(IEnumerable<double> expected, IEnumerable<double> actual, string what)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        double worst = e.Zip(a, (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max();
        Assert.True(worst <= Tolerance, $"{what}: largest difference {worst} from a fresh prefill");
    }
}
