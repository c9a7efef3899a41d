using SlotSharp.Backends;

namespace SlotSharp.Tests.Gguf;

/// <summary>The one GGUF selection rule shared by local folders and Hub repositories, on file lists written by hand.</summary>
public class GgufSelectionTests
{
    static readonly string[] Quantizations =
        ["qwen2.5-0.5b-instruct-fp16.gguf", "qwen2.5-0.5b-instruct-q4_k_m.gguf", "qwen2.5-0.5b-instruct-q8_0.gguf", "README.md"];

    [SkippableFact]
    public void Q8_0_IsPreferred_ThenQ4_K_M_CaseInsensitive()
    {
        Assert.Equal("qwen2.5-0.5b-instruct-q8_0.gguf", GgufSelection.Choose("repo", Quantizations, null));
        Assert.Equal("Model-Q4_K_M.gguf", GgufSelection.Choose("repo", ["Model-F16.gguf", "Model-Q4_K_M.gguf", "Model-Q6_K.gguf"], null));
        Assert.Equal("only-f16.gguf", GgufSelection.Choose("repo", ["only-f16.gguf", "config.json"], null));
    }

    [SkippableFact]
    public void NamedFile_WinsOverPreference_ExactThenIgnoringCase_ByPathOrFileName()
    {
        Assert.Equal("qwen2.5-0.5b-instruct-fp16.gguf", GgufSelection.Choose("repo", Quantizations, "qwen2.5-0.5b-instruct-fp16.gguf"));
        Assert.Equal("qwen2.5-0.5b-instruct-q4_k_m.gguf", GgufSelection.Choose("repo", Quantizations, "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"));
        Assert.Equal("Q6_K/m-q6_k.gguf", GgufSelection.Choose("repo", ["m-q8_0.gguf", "Q6_K/m-q6_k.gguf"], "m-q6_k.gguf"));
        Assert.Equal("a/m.gguf", GgufSelection.Choose("repo", ["a/m.gguf", "b/m.gguf"], "a/m.gguf"));
        var ambiguous = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("repo", ["a/m.gguf", "b/m.gguf"], "m.gguf"));
        Assert.Equal("repo has several GGUF files named 'm.gguf' (a/m.gguf, b/m.gguf); give the path", ambiguous.Message);
    }

    [SkippableFact]
    public void NoPreferredQuantization_ErrorListsTheChoices()
    {
        var e = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("model 'acme/m'", ["m-f16.gguf", "m-bf16.gguf", "m-q6_k.gguf"], null));
        Assert.Equal("model 'acme/m' holds several GGUF files and none is Q8_0 or Q4_K_M; name one (m-bf16.gguf, m-f16.gguf, m-q6_k.gguf)", e.Message);
        var missing = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("dir", ["m-f16.gguf"], "m-q8_0.gguf"));
        Assert.Equal("dir has no GGUF file 'm-q8_0.gguf' (it has: m-f16.gguf)", missing.Message);
        Assert.Equal("dir holds no .gguf file", Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("dir", ["config.json"], null)).Message);
    }

    [SkippableFact]
    public void TwoFilesOfThePreferredQuantization_AreNotGuessedBetween()
    {
        var e = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("dir", ["m-q8_0.gguf", "m-imatrix-q8_0.gguf", "m-f16.gguf"], null));
        Assert.Equal("dir holds several Q8_0 GGUF files (m-imatrix-q8_0.gguf, m-q8_0.gguf); name one", e.Message);
    }

    [SkippableFact]
    public void SplitModel_CountsOnce_AndIsRefusedWithTheOtherChoices()
    {
        string[] files = ["m-q8_0-00001-of-00003.gguf", "m-q8_0-00002-of-00003.gguf", "m-q8_0-00003-of-00003.gguf", "m-q4_k_m.gguf"];
        var e = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("dir", files, null));
        Assert.Equal("dir: 'm-q8_0-00001-of-00003.gguf' is part of a GGUF model split into 3 files, which SlotSharp does not load " +
                     "(it reads the output weight from one file); merge the parts with llama.cpp's `llama-gguf-split --merge`, " +
                     "or name another file (m-q4_k_m.gguf)", e.Message);
        Assert.Equal("m-q4_k_m.gguf", GgufSelection.Choose("dir", files, "m-q4_k_m.gguf"));
        // The parts of one split model are not "several GGUF files".
        var only = Assert.Throws<SlotSharpException>(() => GgufSelection.Choose("dir", files[..3], null));
        Assert.StartsWith("dir: 'm-q8_0-00001-of-00003.gguf' is part of a GGUF model split into 3 files", only.Message);
        Assert.Equal((2, 3), GgufSelection.SplitPart("x/m-00002-of-00003.gguf"));
        Assert.Null(GgufSelection.SplitPart("m-q8_0.gguf"));
    }

    [SkippableFact]
    public void Backend_SafetensorsByDefault_GgufWhenAskedOrNamedOrAlone()
    {
        Assert.Equal(BackendKind.Torch, ModelLocator.PickBackend(hasSafetensors: true, hasGguf: true, null, null));
        Assert.Equal(BackendKind.LlamaCpp, ModelLocator.PickBackend(hasSafetensors: true, hasGguf: true, BackendKind.LlamaCpp, null));
        Assert.Equal(BackendKind.LlamaCpp, ModelLocator.PickBackend(hasSafetensors: true, hasGguf: true, null, "m.gguf"));
        Assert.Equal(BackendKind.LlamaCpp, ModelLocator.PickBackend(hasSafetensors: false, hasGguf: true, null, null));
        Assert.Equal(BackendKind.Torch, ModelLocator.PickBackend(hasSafetensors: false, hasGguf: false, null, null));
        Assert.Throws<SlotSharpException>(() => ModelLocator.PickBackend(true, true, BackendKind.Torch, "m.gguf"));
    }

    [SkippableFact]
    public void LocalFolder_UsesTheSameRule()
    {
        var dir = Directory.CreateTempSubdirectory("slotsharp-ggufsel-").FullName;
        try
        {
            foreach (var name in new[] { "m-f16.gguf", "m-Q4_K_M.gguf", "m-q6_k.gguf" }) File.WriteAllBytes(Path.Combine(dir, name), []);
            var location = ModelLocator.Locate(dir);
            Assert.Equal(BackendKind.LlamaCpp, location.Backend);
            Assert.Equal(Path.Combine(dir, "m-Q4_K_M.gguf"), location.GgufFile);
            File.Delete(Path.Combine(dir, "m-Q4_K_M.gguf"));
            var e = Assert.Throws<SlotSharpException>(() => ModelLocator.Locate(dir));
            Assert.Equal($"{dir} holds several GGUF files and none is Q8_0 or Q4_K_M; name one (m-f16.gguf, m-q6_k.gguf)", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
