using System.Text.Json.Nodes;
using SlotSharp.Engine;
using SlotSharp.Slot;

namespace SlotSharp.Server;

/// <summary>The JSON shape of one generation, shared by `slot generate --json` and `slot serve`.</summary>
internal static class GenerationJson
{
    public static JsonObject Build(SlotModel model, EngineResult result, SlotOptions slot, JsonObject? explained)
    {
        var o = new JsonObject
        {
            ["prompt_ids"] = new JsonArray([.. result.PromptIds.Select(i => (JsonNode)i)]),
            ["generated_ids"] = new JsonArray([.. result.GeneratedIds.Select(i => (JsonNode)i)]),
            ["text"] = result.Text,
            ["timing"] = new JsonObject
            {
                ["load_ms"] = Math.Round(model.LoadMilliseconds, 3),
                ["prefill_ms"] = Math.Round(result.Timings.PrefillMs, 3),
                ["decode_ms"] = Math.Round(result.Timings.DecodeMs, 3),
                ["decode_tokens_per_s"] = Math.Round(result.DecodeTokensPerSecond, 3),
            },
        };
        var s = result.Slot;
        o["slot"] = new JsonObject
        {
            ["times"] = s?.Times ?? slot.Times,
            ["lr"] = slot.Lr,
            ["impl"] = SlotOptions.Name(slot.Impl),
            ["optimizer"] = SlotOptions.Name(slot.Optimizer),
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
