using System.Text.Json.Nodes;
using SlotSharp.Checkpoints;
using SlotSharp.Engine;
using SlotSharp.Evaluation;
using SlotSharp.Evaluation.Loglik;
using SlotSharp.Generation;
using SlotSharp.Models;
using SlotSharp.Runtime;
using SlotSharp.Slot;
using SlotSharp.Tests.Serving;
using SlotSharp.Tests.Slot;
using static TorchSharp.torch;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>
/// The log-likelihood path on the real tiny-qwen2 (float32, TorchSharp): the same numbers as the server's echo +
/// logprobs (lm-evaluation-harness's local-completions request) with and without SLOT, the continuation's score
/// under fit_tokens against the float64 SLOT oracle, and the selection mode against each setting run alone.
/// </summary>
public sealed class LoglikEngineTests : IDisposable
{
    readonly TestModel _model = TestModel.Load(SharedAssets.Require("models", "tiny-qwen2"));
    readonly EngineEvalModel _eval;

    public LoglikEngineTests() => _eval = new EngineEvalModel(_model.Engine, new SlotOptions());

    public void Dispose()
    {
        _eval.Dispose();
        _model.Engine.Dispose();
        _model.Dispose();
    }

    ILoglikModel Scorer => _eval;

    static IReadOnlyList<LoglikRequest> PiqaRequests() =>
        [.. LoglikTask.ByName("piqa").Load(LoglikFixtures.Rows("piqa")).SelectMany(d => d.Requests)];

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task AnEvalScoreIsTheServersEchoLogprobsSummedFromTheContextsLength(int times)
    {
        await using var server = await OpenAiServer.Start();
        foreach (var request in PiqaRequests())
        {
            var (ids, ctx) = _eval.Encode(request);
            var score = Assert.Single(Assert.Single(Scorer.Score([request], [new SlotSetting(times.ToString(System.Globalization.CultureInfo.InvariantCulture), "0.1")])));
            var slot = new JsonObject { ["times"] = times, ["lr"] = 0.1 };
            if (times > 0) slot["fit_tokens"] = ctx;
            // lm-evaluation-harness's local-completions payload, with SlotSharp's slot object.
            var (status, body) = await server.Post("/v1/completions", new JsonObject
            {
                ["model"] = "tiny-qwen2", ["prompt"] = OpenAiServer.Ids(ids), ["temperature"] = 0, ["max_tokens"] = 1,
                ["logprobs"] = 1, ["seed"] = 1234, ["echo"] = true, ["slot"] = slot,
            });
            Assert.Equal(200, status);
            var tokenLogprobs = body["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray();
            // The harness sums token_logprobs[ctxlen:-1] (the last entry is the generated token).
            double expected = Enumerable.Range(ctx, ids.Length - ctx).Sum(k => (double)tokenLogprobs[k]!);
            Assert.Equal(expected, score.Loglikelihood, 12);
            Assert.Equal(ids.Length - ctx, score.ContinuationTokens);
            Assert.Equal(times == 0 ? 0 : times + 1, score.SlotLosses.Count);
        }
    }

    [SkippableFact]
    public void TheContinuationsScoreUnderTheContextsDeltaIsTheFloat64OraclesScore()
    {
        var request = PiqaRequests()[1];
        var (ids, ctx) = _eval.Encode(request);
        const int times = 3;
        const double lr = 0.1;
        var score = Assert.Single(Assert.Single(Scorer.Score([request], [new SlotSetting("3", "0.1")])));

        // H (after the final norm) and W of the same checkpoint in float32, then SLOT in float64 on the context only.
        using var ckpt = Checkpoint.Open(SharedAssets.Require("models", "tiny-qwen2"));
        using var lm = CausalLM.Load(ckpt, new ComputeOptions(CPU, ScalarType.Float32));
        using var cache = lm.NewCache();
        using var idsT = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        using var output = lm.Forward(idsT, cache, LogitsMode.All);
        int T = ids.Length, d = (int)output.Hidden.shape[2];
        var hFlat = output.Hidden[0].to_type(ScalarType.Float32).data<float>().ToArray();
        var wFlat = lm.LmHeadWeight.to_type(ScalarType.Float32).data<float>().ToArray();
        int V = wFlat.Length / d;
        var h = new double[T, d];
        for (int t = 0; t < T; t++) for (int i = 0; i < d; i++) h[t, i] = hFlat[t * d + i];
        var w = new double[V, d];
        for (int j = 0; j < V; j++) for (int i = 0; i < d; i++) w[j, i] = wFlat[j * d + i];
        var hContext = new double[ctx, d];
        for (int t = 0; t < ctx; t++) for (int i = 0; i < d; i++) hContext[t, i] = h[t, i];
        var oracle = SlotOracle.Run(hContext, w, [.. ids[..ctx].Select(i => (long)i)], SlotOptimizerKind.AdamW, times, lr);

        // The continuation's tokens under lm_head(h + delta): position t scores token t + 1.
        double expected = 0;
        for (int t = ctx - 1; t < T - 1; t++)
        {
            var z = new double[V];
            for (int j = 0; j < V; j++)
                for (int i = 0; i < d; i++) z[j] += (h[t, i] + oracle.Delta[i]) * w[j, i];
            double max = z.Max(), sum = z.Sum(x => Math.Exp(x - max));
            expected += z[ids[t + 1]] - max - Math.Log(sum);
        }
        for (int k = 0; k <= times; k++) SlotAssert.RelativeClose(oracle.Losses[k], score.SlotLosses[k], 1e-4, $"loss {k}");
        Assert.InRange(score.Loglikelihood - expected, -1e-3, 1e-3);
    }

    [SkippableFact]
    public void SelectionChoosesTheSettingABruteForceRunOfEachAloneChooses()
    {
        const int heldOut = 3;
        SlotSetting[] settings = [new("0", "0.1"), new("2", "0.05"), new("4", "0.5")];
        var requests = PiqaRequests();
        var together = Scorer.Score(requests, settings, heldOut);
        var chosen = new List<int>();
        for (int r = 0; r < requests.Count; r++)
        {
            var (ids, ctx) = _eval.Encode(requests[r]);
            // Each setting alone, through the engine's own API: the context alone, fitted without its last M tokens,
            // its held-out loss the mean negative log-probability of those M tokens.
            var losses = settings.Select(s =>
            {
                var alone = _model.Engine.Generate(new EngineRequest(ids[..ctx])
                {
                    Generation = new GenerationOptions { MaxNewTokens = 0 }, Logprobs = 0, PromptLogprobs = true,
                    Slot = s.Times == 0 ? null : new SlotOptions { Times = s.Times, Lr = s.LearningRate, FitTokens = ctx - heldOut },
                }).ThrowIfFailed();
                return -alone.PromptLogprobs!.Skip(ctx - 1 - heldOut).Average(t => t.Logprob);
            }).ToList();
            int best = losses.IndexOf(losses.Min());
            chosen.Add(best);
            // The context alone is another prefill (another T in the products) and a stage stepped alone: float32 noise.
            for (int k = 0; k < settings.Length; k++)
                Assert.InRange(together[r][k].HeldOutLoss!.Value - losses[k], -1e-5, 1e-5);
            Assert.True(losses.Where((_, k) => k != best).All(l => l - losses[best] > 1e-4), "a near tie: the test cannot tell the settings apart");
            // The runner's choice is the candidate with the lowest held-out loss; its continuation score is that setting's.
            var alone = Assert.Single(Assert.Single(Scorer.Score([requests[r]], [settings[best]], heldOut)));
            Assert.InRange(alone.Loglikelihood - together[r][best].Loglikelihood, -1e-5, 1e-5);
        }
        Assert.Contains(chosen, b => b > 0); // SLOT helps some held-out tokens here, so the test can tell settings apart

        // The runner journals, per request, the setting chosen and the score under it.
        var dir = Directory.CreateTempSubdirectory("slotsharp-select-").FullName;
        try
        {
            var result = new LoglikRunner(_eval, new LoglikRunOptions
            {
                Task = LoglikTask.ByName("piqa"), Documents = LoglikTask.ByName("piqa").Load(LoglikFixtures.Rows("piqa")),
                ModelPath = "tiny-qwen2", DataLabel = "fixture", Settings = settings, OutputDirectory = dir, SelectHeldOut = heldOut,
            }).Run();
            var details = File.ReadAllLines(Assert.Single(result.Reports).DetailsFile).Select(l => JsonNode.Parse(l)!).ToList();
            var selected = details.SelectMany(d => d["selected"]!.AsArray().Select(x => (string)x!)).ToList();
            Assert.Equal(chosen.Select(b => $"times={settings[b].TimesText} lr={settings[b].LrText}"), selected);
            var lls = details.SelectMany(d => d["loglikelihoods"]!.AsArray().Select(x => (double)x!)).ToList();
            Assert.Equal(chosen.Select((b, r) => together[r][b].Loglikelihood), lls);
        }
        finally { Directory.Delete(dir, true); }
    }
}
