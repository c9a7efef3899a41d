using System.Text.Json.Nodes;
using SlotSharp.Pipeline;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>The JSON shape of one generation, shared by `slot generate --json` and `slot serve`.</summary>
public static class GenerationJson
{
    public static JsonObject Build(SlotPipeline pipeline, SlotGeneration result, SlotOptions slot, JsonObject? explained)
    {
        var g = result.Generation;
        var o = new JsonObject
        {
            ["prompt_ids"] = new JsonArray([.. g.PromptIds.Select(i => (JsonNode)i)]),
            ["generated_ids"] = new JsonArray([.. g.GeneratedIds.Select(i => (JsonNode)i)]),
            ["text"] = pipeline.Tokenizer.Decode(g.GeneratedIds, skipSpecialTokens: true),
            ["timing"] = new JsonObject
            {
                ["load_ms"] = Math.Round(pipeline.LoadMilliseconds, 3),
                ["prefill_ms"] = Math.Round(g.Timing.PrefillMs, 3),
                ["decode_ms"] = Math.Round(g.Timing.DecodeMs, 3),
                ["decode_tokens_per_s"] = Math.Round(g.Timing.DecodeTokensPerSecond, 3),
            },
        };
        var s = result.Slot;
        o["slot"] = new JsonObject
        {
            ["times"] = s?.Times ?? slot.Times,
            ["lr"] = slot.Lr,
            ["impl"] = SlotCliOptions.Name(slot.Impl),
            ["optimizer"] = SlotCliOptions.Name(slot.Optimizer),
            ["losses"] = new JsonArray([.. (s?.Losses ?? []).Select(l => double.IsFinite(l) ? JsonValue.Create(l) : null)]),
            ["delta_norms"] = new JsonArray([.. (s?.DeltaNorms ?? []).Select(l => double.IsFinite(l) ? JsonValue.Create(l) : null)]),
            ["prompt_stage_ms"] = Math.Round(s?.Milliseconds ?? 0, 3),
            ["skipped"] = s?.Skipped ?? true,
            ["delta_loaded"] = s?.Loaded ?? false,
        };
        if (explained != null) o["explain"] = explained;
        return o;
    }
}
