namespace SlotSharp.Backends;

public enum BackendKind { Torch, LlamaCpp }

/// <summary>Where a model lives and which backend runs it: a Hugging Face folder (TorchSharp) or a GGUF file (llama.cpp).</summary>
public sealed record ModelLocation(BackendKind Backend, string Folder, string? GgufFile);

/// <summary>
/// Picks the backend from what a path holds: a .gguf file, or a folder with .gguf files and no safetensors, goes to
/// llama.cpp (one file chosen by <see cref="GgufSelection"/>); safetensors go to TorchSharp. Asking for a backend
/// overrides that where the folder has both.
/// </summary>
internal static class ModelLocator
{
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
            if (!GgufSelection.IsGguf(path))
                throw new SlotSharpException($"'{path}' is a file but not a .gguf file; give a model folder, a .gguf file or a Hub repo id");
            if (requested == BackendKind.Torch)
                throw new SlotSharpException($"'{path}' is a GGUF file, which only the llama.cpp backend runs");
            return new ModelLocation(BackendKind.LlamaCpp, Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFullPath(path));
        }
        if (!Directory.Exists(path)) throw new SlotSharpException($"model '{path}' is neither a folder nor a file");
        bool hasSafetensors = File.Exists(Path.Combine(path, "model.safetensors")) || File.Exists(Path.Combine(path, "model.safetensors.index.json"));
        var ggufs = Directory.EnumerateFiles(path, "*.gguf").Select(Path.GetFileName).OfType<string>().ToList();
        if (PickBackend(hasSafetensors, ggufs.Count > 0, requested, ggufFileName) == BackendKind.Torch)
        {
            if (!hasSafetensors)
                throw new SlotSharpException(ggufs.Count == 0
                    ? $"model folder '{path}' has no weights: no model.safetensors, model.safetensors.index.json or .gguf file"
                    : $"model folder '{path}' has no safetensors weights (model.safetensors or model.safetensors.index.json), only .gguf files");
            return new ModelLocation(BackendKind.Torch, path, null);
        }
        return new ModelLocation(BackendKind.LlamaCpp, path, Path.Combine(path, GgufSelection.Choose(path, ggufs, ggufFileName)));
    }

    /// <summary>
    /// The backend for a folder or Hub repository from what it holds, shared by both so that a repo downloads
    /// exactly the weights its local snapshot will then be run from: safetensors by default (TorchSharp, the exact
    /// reference), GGUF when there are no safetensors or when a GGUF file is named; a requested backend wins.
    /// </summary>
    public static BackendKind PickBackend(bool hasSafetensors, bool hasGguf, BackendKind? requested, string? ggufFileName)
    {
        var backend = requested ?? (ggufFileName != null || (hasGguf && !hasSafetensors) ? BackendKind.LlamaCpp : BackendKind.Torch);
        if (backend == BackendKind.Torch && ggufFileName != null)
            throw new SlotSharpException("a GGUF file name was given but the TorchSharp backend reads safetensors");
        return backend;
    }
}
