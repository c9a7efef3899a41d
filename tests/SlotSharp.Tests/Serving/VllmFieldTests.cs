using System.Text.Json.Nodes;
using SlotSharp.Generation;

namespace SlotSharp.Tests.Serving;

/// <summary>vLLM's extra fields top_k, repetition_penalty and ignore_eos are applied: the answer equals TestModel's solo run with them.</summary>
public class VllmFieldTests
{
    const int MaxTokens = 24;

    [SkippableFact]
    public async Task TopKAndRepetitionPenaltyGiveThePipelinesSoloAnswer()
    {
        await using var s = await OpenAiServer.Start();
        var ids = Golden.Ints(s.Golden.Prompt("len8")["input_ids"]);
        string Solo(GenerationOptions g) => s.Pipeline.Tokenizer.Decode(
            s.Pipeline.Generate(ids, g with { MaxNewTokens = MaxTokens, StopIds = s.Pipeline.StopIds.ToArray() }).Generation.GeneratedIds, skipSpecialTokens: true);
        async Task<string?> Served(JsonObject fields)
        {
            fields["prompt"] = OpenAiServer.Ids(ids);
            fields["max_tokens"] = MaxTokens;
            var (status, body) = await s.Post("/v1/completions", fields);
            Assert.Equal(200, status);
            return (string?)body["choices"]![0]!["text"];
        }

        // Each field changes the solo answer, so an ignored field fails the comparison.
        var sampled = new GenerationOptions { Temperature = 1, Seed = 7 };
        var topK = Solo(sampled with { TopK = 3 });
        Assert.NotEqual(Solo(sampled), topK);
        Assert.Equal(topK, await Served(new JsonObject { ["temperature"] = 1, ["seed"] = 7, ["top_k"] = 3 }));

        var penalized = Solo(new GenerationOptions { RepetitionPenalty = 1.5 });
        Assert.NotEqual(Solo(new GenerationOptions()), penalized);
        Assert.Equal(penalized, await Served(new JsonObject { ["temperature"] = 0, ["repetition_penalty"] = 1.5 }));
    }

    [SkippableFact]
    public async Task IgnoreEosDecodesPastTheEosId()
    {
        var golden = Golden.Load("tiny-qwen2");
        var p = golden.Prompt("len8");
        var greedy = Golden.Ints(p["generate"]!["greedy_times0"]);
        // A copy of tiny-qwen2 whose eos id is the golden greedy continuation's first token not seen before index 2.
        int stopAt = Enumerable.Range(2, greedy.Length - 2).First(i => !greedy.AsSpan(0, i).Contains(greedy[i]));
        var dir = Directory.CreateTempSubdirectory("slot-ignore-eos-").FullName;
        try
        {
            foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
                File.Copy(Path.Combine(golden.ModelDir, f), Path.Combine(dir, f));
            File.WriteAllText(Path.Combine(dir, "generation_config.json"), new JsonObject { ["eos_token_id"] = new JsonArray(greedy[stopAt]) }.ToJsonString());
            await using var s = await OpenAiServer.Start(modelDir: dir);
            var request = new JsonObject { ["prompt"] = OpenAiServer.Ids(Golden.Ints(p["input_ids"])), ["max_tokens"] = MaxTokens, ["temperature"] = 0 };

            var (_, stopped) = await s.Post("/v1/completions", request);
            Assert.Equal("stop", (string?)stopped["choices"]![0]!["finish_reason"]);
            Assert.Equal(stopAt + 1, (int)stopped["usage"]!["completion_tokens"]!); // the eos id counts, as OpenAI's usage does

            request["ignore_eos"] = true;
            var (_, ignored) = await s.Post("/v1/completions", request);
            Assert.Equal("length", (string?)ignored["choices"]![0]!["finish_reason"]);
            Assert.Equal(MaxTokens, (int)ignored["usage"]!["completion_tokens"]!);
            Assert.Equal(s.Pipeline.Tokenizer.Decode(greedy[..MaxTokens], skipSpecialTokens: true), (string?)ignored["choices"]![0]!["text"]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
