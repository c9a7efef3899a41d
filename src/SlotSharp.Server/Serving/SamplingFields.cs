using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlotSharp.Engine;
using SlotSharp.Generation;

namespace SlotSharp.Server;

/// <summary>
/// The sampling fields of a completion body as <see cref="GenerationOptions"/>: OpenAI's (max_tokens,
/// temperature, top_p, seed, logit_bias, frequency_penalty, presence_penalty) and vLLM's (top_k, min_p,
/// repetition_penalty, stop_token_ids). Each bad value is a 400 naming its field.
/// </summary>
internal static class SamplingFields
{
    /// <summary>At most this many extra stop ids (vLLM sets no bound; a body limit alone would allow millions).</summary>
    public const int MaxStopTokenIds = 1024;

    /// <param name="promptLengths">Every prompt's length: each must leave room for max_tokens.</param>
    public static GenerationOptions Parse(BodyFields f, bool chat, RequestBuilder requests, ServeSettings settings, IReadOnlyList<int> promptLengths)
    {
        var model = requests.Model;
        int maxPositions = model.ContextLength;
        // Both are read (lighteval sends both): max_completion_tokens wins, as in vLLM.
        int? maxCompletionTokens = f.Int("max_completion_tokens", 0, settings.MaxTokensLimit);
        int? maxTokens = f.Int("max_tokens", 0, settings.MaxTokensLimit);
        var generation = requests.DefaultGeneration with
        {
            MaxNewTokens = maxCompletionTokens ?? maxTokens
                ?? (chat ? Math.Clamp(maxPositions - promptLengths[0], 1, settings.MaxTokensLimit) : CompletionRequest.CompletionsDefaultMaxTokens),
            // OpenAI's defaults: sampling at temperature 1.
            Temperature = f.Double("temperature", 0, 2) ?? 1.0,
            TopP = f.Double("top_p", double.Epsilon, 1) ?? 1.0,
            TopK = Math.Max(0, f.Int("top_k", -1, int.MaxValue) ?? 0), // vLLM: -1 (or 0 here) = off
            MinP = f.Double("min_p", 0, 1) ?? 0,
            Seed = f.Int("seed", int.MinValue, int.MaxValue) ?? 0,
            RepetitionPenalty = f.Double("repetition_penalty", double.Epsilon, double.MaxValue) ?? model.DefaultRepetitionPenalty,
            FrequencyPenalty = f.Double("frequency_penalty", -GenerationOptions.MaxPenalty, GenerationOptions.MaxPenalty) ?? 0,
            PresencePenalty = f.Double("presence_penalty", -GenerationOptions.MaxPenalty, GenerationOptions.MaxPenalty) ?? 0,
            LogitBias = LogitBias(f, model.VocabSize),
            // vLLM's stop_token_ids: extra ids that end the request (kept in the ids, as eos is), even with ignore_eos.
            StopIds = f.Ints("stop_token_ids", 0, model.VocabSize - 1, MaxStopTokenIds) ?? [],
            AllowLongContext = false,
        };
        foreach (int length in promptLengths) generation.CheckContextLength(length, maxPositions); // names both lengths
        return generation;
    }

    /// <summary>OpenAI's logit_bias: {"token id": value in [-100, 100]}, every id in the model's vocabulary.</summary>
    static Dictionary<int, double> LogitBias(BodyFields f, int vocabSize)
    {
        var bias = new Dictionary<int, double>();
        if (f.OpaqueObject("logit_bias") is not { } o) return bias;
        foreach (var (key, value) in o)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= vocabSize)
                throw ApiError.BadRequest($"'logit_bias' names '{key}', which is not a token id in [0, {vocabSize})", "logit_bias");
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out double b)
                || !(Math.Abs(b) <= GenerationOptions.MaxLogitBias))
                throw ApiError.BadRequest($"'logit_bias' of token {id} must be a number in [-100, 100]", "logit_bias");
            bias[id] = b;
        }
        return bias;
    }
}
