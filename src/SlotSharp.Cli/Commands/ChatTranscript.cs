using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Engine;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>One answered turn of a chat: its token counts, why it ended and what SLOT did (null: SLOT was off).</summary>
internal sealed record ChatTurn(EngineUsage Usage, FinishReason FinishReason, SlotSummary? Slot)
{
    /// <summary>The line a person at the terminal sees after each answer.</summary>
    public static string Describe(EngineResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var tokens = $"{result.Usage.PromptTokens} prompt + {result.Usage.CompletionTokens} new tokens";
        if (result.Slot is not { } s) return $"[SLOT off; {tokens}]";
        if (s.Loaded) return $"[SLOT: loaded delta; {tokens}]";
        if (s.Skipped) return $"[SLOT skipped{(s.StopReason is { } why ? $" ({why})" : "")}; {tokens}]";
        var losses = s.Losses.Count == 0 ? "" : $": loss {s.Losses[0].ToString("0.###", inv)} -> {s.Losses[^1].ToString("0.###", inv)}";
        return $"[SLOT times {s.Times}, lr {s.Lr.ToString(inv)}{losses} in {s.Milliseconds.ToString("0", inv)} ms; {tokens}]";
    }

    public JsonObject ToJson() => new()
    {
        ["prompt_tokens"] = Usage.PromptTokens,
        ["completion_tokens"] = Usage.CompletionTokens,
        ["finish_reason"] = FinishReason.ToOpenAi(),
        ["slot"] = Slot is not { } s ? null : new JsonObject
        {
            ["times"] = s.Times,
            ["lr"] = s.Lr,
            ["optimizer"] = SlotOptions.Name(s.Optimizer),
            ["losses"] = Numbers(s.Losses),
            ["delta_norms"] = Numbers(s.DeltaNorms),
            ["skipped"] = s.Skipped,
            ["delta_loaded"] = s.Loaded,
            ["prompt_stage_ms"] = Math.Round(s.Milliseconds, 3),
        },
    };

    // NaN (a one-token fit) has no JSON spelling: null, as `slot generate --json` writes it.
    static JsonArray Numbers(IEnumerable<double> values) => [.. values.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null)];
}

/// <summary>What /save writes: the model, the settings now, the conversation and each answered turn's SLOT summary.</summary>
internal static class ChatTranscript
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static string Build(ChatSettings settings, IReadOnlyList<ChatMessage> messages, IReadOnlyList<ChatTurn> turns)
    {
        var g = settings.Generation;
        var o = new JsonObject
        {
            ["model"] = settings.ModelId,
            ["system"] = settings.System,
            ["slot"] = new JsonObject
            {
                ["enabled"] = settings.SlotOn,
                ["times"] = settings.Slot.Times,
                ["lr"] = settings.Slot.Lr,
                ["optimizer"] = SlotOptions.Name(settings.Slot.Optimizer),
                ["impl"] = SlotOptions.Name(settings.Slot.Impl),
                ["delta_file"] = settings.LoadedDeltaFile,
            },
            ["generation"] = new JsonObject
            {
                ["max_new_tokens"] = g.MaxNewTokens,
                ["temperature"] = g.Temperature,
                ["top_p"] = g.TopP,
                ["top_k"] = g.TopK,
                ["seed"] = g.Seed,
                ["repetition_penalty"] = g.RepetitionPenalty,
            },
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
            ["turns"] = new JsonArray([.. turns.Select(t => (JsonNode)t.ToJson())]),
        };
        return o.ToJsonString(Json) + "\n";
    }
}
