using System.CommandLine;
using SlotSharp.Generation;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// The generation options `slot generate` and `slot chat` share: length, sampling, repetition penalty, the long-context
/// permission and --load-delta. One definition, so the two commands cannot drift apart in names, defaults or checks.
/// </summary>
internal sealed class SamplingCliOptions
{
    public Option<int> MaxNew { get; } = new("--max-new-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 128 };
    public Option<double> Temperature { get; } = new("--temperature") { Description = "0 = greedy (default); > 0 samples" };
    public Option<double> TopP { get; } = new("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Sample among the k most likely tokens (0 = all)" };
    public Option<int> Seed { get; } = new("--seed") { Description = "Sampling seed" };
    public Option<double?> Repetition { get; } = new("--repetition-penalty") { Description = "transformers' repetition penalty (default: generation_config.json's, else 1 = off)" };
    public Option<bool> LongContext { get; } = LongContextOption.Create();
    public Option<string?> LoadDelta { get; } = new("--load-delta") { Description = "Apply a stored delta instead of running the SLOT prompt stage" };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { MaxNew, Temperature, TopP, TopK, Seed, Repetition, LongContext, LoadDelta }) cmd.Options.Add(o);
    }

    /// <summary>
    /// The settings, checked before the model loads. The repetition penalty is 1 here when not given; <see cref="ForModel"/>
    /// puts in the model's default once it is loaded.
    /// </summary>
    public GenerationOptions Resolve(ParseResult parse)
    {
        var generation = new GenerationOptions
        {
            MaxNewTokens = parse.GetValue(MaxNew), Temperature = parse.GetValue(Temperature),
            TopK = parse.GetValue(TopK), TopP = parse.GetValue(TopP), Seed = parse.GetValue(Seed),
            RepetitionPenalty = parse.GetValue(Repetition) ?? 1.0, AllowLongContext = parse.GetValue(LongContext),
        };
        generation.Validate();
        return generation;
    }

    /// <summary><paramref name="generation"/> with the model's repetition penalty unless --repetition-penalty was given.</summary>
    public GenerationOptions ForModel(ParseResult parse, GenerationOptions generation, SlotModel model) =>
        generation with { RepetitionPenalty = parse.GetValue(Repetition) ?? model.DefaultRepetitionPenalty };

    /// <summary>The --load-delta file, checked to exist before the model loads; null when not given.</summary>
    public string? LoadDeltaFile(ParseResult parse)
    {
        var load = parse.GetValue(LoadDelta);
        if (load != null && !File.Exists(load)) throw new UserInputException($"--load-delta: file '{load}' does not exist");
        return load;
    }

    /// <summary>The stored delta of --load-delta for <paramref name="model"/> (its hidden size and id are checked).</summary>
    public static float[] ReadDelta(string file, SlotModel model) => SlotDeltaFile.LoadDelta(file, model.HiddenSize, model.ModelId).Delta;
}
