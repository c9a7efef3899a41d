using SlotSharp.Checkpoints;

namespace SlotSharp.Tests.Checkpoints;

/// <summary>generation_config.json's fields are checked like config.json's: a bad value names the file and the field.</summary>
public sealed class GenerationConfigValidationTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("slotsharp-genconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    string Write(string json)
    {
        var path = Path.Combine(_dir, "generation_config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [SkippableFact]
    public void ValidFileIsReadWithItsValues()
    {
        var path = Write("""{"bos_token_id":1,"eos_token_id":[2,3],"pad_token_id":-1,"do_sample":true,"temperature":0.7,"top_k":20,"top_p":0.8,"repetition_penalty":1.05}""");
        var g = GenerationConfig.LoadOrNull(path, vocabSize: 10)!;
        Assert.Equal([2, 3], g.EosTokenIds);
        Assert.Equal(1, g.BosTokenId);
        Assert.Equal(-1, g.PadTokenId); // some published configs use -1 for "no pad"; nothing reads it
        Assert.True(g.DoSample);
        Assert.Equal(0.7, g.Temperature);
        Assert.Equal(20, g.TopK);
        Assert.Equal(0.8, g.TopP);
        Assert.Equal(1.05, g.RepetitionPenalty);
    }

    [SkippableTheory]
    [InlineData("""{"eos_token_id":["x"]}""", "eos_token_id")]
    [InlineData("""{"eos_token_id":10}""", "eos_token_id")]
    [InlineData("""{"eos_token_id":[2,10]}""", "eos_token_id")]
    [InlineData("""{"eos_token_id":-1}""", "eos_token_id")]
    [InlineData("""{"bos_token_id":10}""", "bos_token_id")]
    [InlineData("""{"bos_token_id":"1"}""", "bos_token_id")]
    [InlineData("""{"pad_token_id":10}""", "pad_token_id")]
    [InlineData("""{"pad_token_id":1.5}""", "pad_token_id")]
    [InlineData("""{"repetition_penalty":0}""", "repetition_penalty")]
    [InlineData("""{"repetition_penalty":-1.1}""", "repetition_penalty")]
    [InlineData("""{"repetition_penalty":"1.1"}""", "repetition_penalty")]
    [InlineData("""{"repetition_penalty":1e999}""", "repetition_penalty")]
    [InlineData("""{"temperature":-0.5}""", "temperature")]
    [InlineData("""{"top_p":1.5}""", "top_p")]
    [InlineData("""{"top_k":-1}""", "top_k")]
    [InlineData("""{"do_sample":"yes"}""", "do_sample")]
    public void BadValueIsRefusedNamingTheFileAndField(string json, string field)
    {
        var path = Write(json);
        var e = Assert.Throws<SlotSharpException>(() => GenerationConfig.LoadOrNull(path, vocabSize: 10));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains($"'{field}'", e.Message);
    }

    [SkippableFact]
    public void InvalidJsonNamesTheFile()
    {
        var path = Write("{nope");
        var e = Assert.Throws<SlotSharpException>(() => GenerationConfig.LoadOrNull(path));
        Assert.Contains(path, e.Message);
    }
}
