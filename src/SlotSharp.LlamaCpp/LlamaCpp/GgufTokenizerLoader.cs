using SlotSharp.Tokenization;

namespace SlotSharp.LlamaCpp;

/// <summary>Chooses the tokenizer of a GGUF model.</summary>
internal static class GgufTokenizerLoader
{
    /// <summary>
    /// The Hugging Face tokenizer when tokenizer.json sits beside <paramref name="ggufPath"/> (the reference the model
    /// was trained with), else a <see cref="LlamaCppTokenizer"/> over the GGUF's own vocabulary. The caller disposes
    /// the result when it is <see cref="IDisposable"/>.
    /// </summary>
    public static ITokenizer Load(string ggufPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(ggufPath))!;
        return File.Exists(Path.Combine(dir, "tokenizer.json")) ? TokenizerLoader.LoadFolder(dir) : LlamaCppTokenizer.Load(ggufPath);
    }
}
