using System.CommandLine;
using SlotSharp.Generation;

namespace SlotSharp.Cli.Commands;

/// <summary>--allow-long-context, shared by generate, eval gsm8k/aime24/math500/gpqa-diamond and serve (GenerationOptions.AllowLongContext).</summary>
internal static class LongContextOption
{
    public const string Name = "--allow-long-context";

    public static Option<bool> Create() => new(Name)
    {
        Description = "Generate even when the prompt plus --max-new-tokens exceeds the model's max_position_embeddings " +
            "(positions it was never trained on; refused otherwise)",
    };

    /// <summary>Runs <paramref name="action"/>; a refused context length names the flag that allows it.</summary>
    public static T NamingTheFlag<T>(Func<T> action)
    {
        try { return action(); }
        catch (ContextLengthException e) { throw new UserInputException($"{e.Message} ({Name})", e); }
    }
}
