namespace SlotSharp.Backends;

public enum BackendKind { Torch, LlamaCpp }

/// <summary>Where a model lives and which backend runs it: a Hugging Face folder (TorchSharp) or a GGUF file (llama.cpp).</summary>
public sealed record ModelLocation(BackendKind Backend, string Folder, string? GgufFile);

/// <summary>
/// Picks the backend from what a path holds: a .gguf file, or a folder with .gguf files and no safetensors, goes to
/// llama.cpp; safetensors go to TorchSharp. Asking for a backend overrides that where the folder has both.
/// </summary>
public static class ModelLocator
{
    /// <summary>Quantizations preferred when a folder holds several GGUF files and none is named.</summary>
    static readonly string[] Preferred = ["q8_0", "q4_k_m"];

    public static BackendKind ParseBackend(string name) => name.ToLowerInvariant() switch
    {
        "torch" or "torchsharp" => BackendKind.Torch,
        "llamacpp" or "llama.cpp" => BackendKind.LlamaCpp,
        _ => throw new SlotSharpException($"backend '{name}' is not one of torch, llamacpp"),
    };

    public static ModelLocation Locate(string path, BackendKind? requested = null, string? ggufFileName = null)
    {
        if (File.Exists(path))
        {
            if (!path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                throw new SlotSharpException($"'{path}' is a file but not a .gguf file; give a model folder, a .gguf file or a Hub repo id");
            if (requested == BackendKind.Torch)
                throw new SlotSharpException($"'{path}' is a GGUF file, which only the llama.cpp backend runs");
            return new ModelLocation(BackendKind.LlamaCpp, Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFullPath(path));
        }
        if (!Directory.Exists(path)) throw new SlotSharpException($"model '{path}' is neither a folder nor a file");
        bool hasSafetensors = File.Exists(Path.Combine(path, "model.safetensors")) || File.Exists(Path.Combine(path, "model.safetensors.index.json"));
        var ggufs = Directory.EnumerateFiles(path, "*.gguf").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var backend = requested ?? (hasSafetensors || ggufs.Count == 0 ? BackendKind.Torch : BackendKind.LlamaCpp);
        if (ggufFileName != null && requested == null) backend = BackendKind.LlamaCpp;
        if (backend == BackendKind.Torch)
        {
            if (ggufFileName != null) throw new SlotSharpException("a GGUF file name was given but the TorchSharp backend reads safetensors");
            return new ModelLocation(BackendKind.Torch, path, null);
        }
        return new ModelLocation(BackendKind.LlamaCpp, path, Path.Combine(path, ChooseGguf(path, ggufs, ggufFileName)));
    }

    /// <summary>The named file, else the only one, else the preferred quantization (Q8_0, then Q4_K_M).</summary>
    public static string ChooseGguf(string where, IReadOnlyList<string> files, string? name)
    {
        if (name != null)
            return files.FirstOrDefault(f => f == name) ?? files.FirstOrDefault(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new SlotSharpException($"{where} has no GGUF file '{name}' (it has: {List(files)})");
        if (files.Count == 1) return files[0];
        if (files.Count == 0) throw new SlotSharpException($"{where} holds no .gguf file");
        foreach (var quant in Preferred)
        {
            var match = files.FirstOrDefault(f => f.Contains(quant, StringComparison.OrdinalIgnoreCase));
            if (match != null) return match;
        }
        throw new SlotSharpException($"{where} holds several GGUF files and none is Q8_0 or Q4_K_M; name one ({List(files)})");
    }

    static string List(IReadOnlyList<string> files) => files.Count == 0 ? "none" : string.Join(", ", files);
}
