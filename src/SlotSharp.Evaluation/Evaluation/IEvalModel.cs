using System.Globalization;

namespace SlotSharp.Evaluation;

/// <summary>A chat message (role "system", "user" or "assistant").</summary>
public sealed record EvalMessage(string Role, string Content);

/// <summary>
/// One prompt to complete. <paramref name="Key"/> identifies it within a run (the dataset row index).
/// <paramref name="SamplingSeed"/> seeds sampling for this prompt so results do not depend on batch composition.
/// <paramref name="AddSpecialTokens"/>: whether the tokenizer adds its special tokens (e.g. a BOS) to the rendered chat
/// text. SLOT's GSM8K script does not; lighteval does (so a template that already emits BOS gets two).
/// </summary>
public sealed record EvalPrompt(int Key, IReadOnlyList<EvalMessage> Messages, ulong SamplingSeed, bool AddSpecialTokens = false);

/// <summary>
/// A SLOT setting: optimisation steps and learning rate, kept as the text the user gave because the original
/// names its log files with those strings ("0.1" and "1e-1" are different files).
/// </summary>
public sealed record SlotSetting
{
    public string TimesText { get; }
    public string LrText { get; }
    /// <summary>Number of SLOT optimisation steps on the prompt (0 = plain generation).</summary>
    public int Times { get; }
    /// <summary>SLOT learning rate.</summary>
    public double LearningRate { get; }

    public SlotSetting(string timesText, string lrText)
    {
        TimesText = timesText.Trim();
        LrText = lrText.Trim();
        if (!int.TryParse(TimesText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) || t < 0 || t > SlotSharp.Slot.SlotOptions.MaxTimes)
            throw new SlotSharpException($"times must be an integer in [0, {SlotSharp.Slot.SlotOptions.MaxTimes}], got '{timesText}'");
        if (!double.TryParse(LrText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) || !double.IsFinite(lr))
            throw new SlotSharpException($"lr must be a number, got '{lrText}'");
        Times = t;
        LearningRate = lr;
    }

    public override string ToString() => $"times={TimesText} lr={LrText}";
}

/// <summary>Generation settings shared by every prompt of a run.</summary>
/// <param name="MaxNewTokens">Upper bound on generated tokens (the original uses 512).</param>
/// <param name="DoSample">False: greedy argmax. True: sample at <paramref name="Temperature"/> seeded by each prompt's SamplingSeed.</param>
/// <param name="TopP">Nucleus sampling mass (1 = off); used only when sampling.</param>
/// <param name="MaxModelLength">When set, prompt plus generation never exceed this many tokens (vLLM's
/// max_model_len: lighteval's budget is effectively MaxModelLength minus the prompt length).</param>
public sealed record EvalGeneration(int MaxNewTokens, bool DoSample, double Temperature, double TopP = 1.0,
    int? MaxModelLength = null);

/// <summary>Seconds spent on one completion. For batched calls the engine reports each prompt's share.</summary>
public sealed record EvalTimings(double PrefillSeconds, double SlotSeconds, double DecodeSeconds)
{
    public double TotalSeconds => PrefillSeconds + SlotSeconds + DecodeSeconds;
}

/// <summary>One generated answer.</summary>
/// <param name="Text">Completion decoded with special tokens skipped (prompt excluded).</param>
/// <param name="GeneratedTokens">Tokens generated (including a final EOS if one was produced).</param>
/// <param name="PromptTokens">Tokens of the rendered prompt.</param>
/// <param name="SlotLosses">SLOT loss of each optimisation step, in order (empty when times is 0).</param>
public sealed record EvalCompletion(string Text, int GeneratedTokens, int PromptTokens,
    IReadOnlyList<double> SlotLosses, EvalTimings Timings)
{
    /// <summary>The exact text handed to the tokenizer (after the chat template), when the engine reports it.</summary>
    public string? PromptText { get; init; }
}

/// <summary>
/// What the evaluation harness needs from a model. The engine renders each prompt's messages with the model's
/// chat template (add_generation_prompt = true), tokenizes the result (adding special tokens only when the prompt
/// asks for it), runs SLOT for each setting and generates, decoding with skip_special_tokens = true.
/// </summary>
public interface IEvalModel : IDisposable
{
    /// <summary>
    /// Completes every prompt of <paramref name="batch"/> under every setting of <paramref name="settings"/>; the
    /// result is indexed [prompt][setting]. One call covers a whole sweep so an engine can prefill each prompt's
    /// backbone once and reuse it for all settings. Results must depend only on (prompt, setting, generation),
    /// never on which other prompts share the batch: the harness relies on this for resumable, batched runs.
    /// The harness may call it with one prompt at a time.
    /// </summary>
    IReadOnlyList<IReadOnlyList<EvalCompletion>> Complete(IReadOnlyList<EvalPrompt> batch,
        IReadOnlyList<SlotSetting> settings, EvalGeneration generation);
}

/// <summary>What `slot eval` asks for when it builds the model to evaluate.</summary>
/// <param name="Model">A model folder, a .gguf file or a Hub repo id (see <see cref="ModelLoader"/>).</param>
/// <param name="MaxBatchSize">Most prompts the harness will pass to one Complete call.</param>
/// <param name="Load">How the model is found and run (backend, GGUF file, context, dtype, device, threads).</param>
/// <param name="Slot">SLOT optimizer and implementation; times and lr come from each <see cref="SlotSetting"/>.</param>
/// <param name="AllowLongContext">Generate past the model's max_position_embeddings instead of refusing the prompt
/// (<see cref="SlotSharp.Generation.GenerationOptions.AllowLongContext"/>).</param>
public sealed record EvalModelRequest(string Model, int MaxBatchSize, ModelLoadOptions? Load = null,
    SlotSharp.Slot.SlotOptions? Slot = null, bool AllowLongContext = false)
{
    /// <summary>Reuse cached prompt prefixes (the engine's <see cref="Engine.EngineOptions.PrefixCache"/>).</summary>
    public bool PrefixCache { get; init; } = true;
}
