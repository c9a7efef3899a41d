namespace SlotSharp.Tokenization;

/// <summary>A tokenizer.json "post_processor" for single sequences (adds BOS/EOS etc. when add_special_tokens).</summary>
internal interface IPostProcessor
{
    int[] Process(List<int> ids, bool addSpecialTokens);
}

/// <summary>ByteLevel post-processing only trims offsets; ids pass through.</summary>
internal sealed class PassThroughPostProcessor : IPostProcessor
{
    public int[] Process(List<int> ids, bool addSpecialTokens) => ids.ToArray();
}

/// <summary>TemplateProcessing's "single" template: special-token ids around sequence A.</summary>
internal sealed class TemplatePostProcessor : IPostProcessor
{
    // Each item is either a special token's ids or null for "$A".
    readonly IReadOnlyList<int[]?> _single;

    public TemplatePostProcessor(IReadOnlyList<int[]?> single) => _single = single;

    public int[] Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens) return ids.ToArray();
        var result = new List<int>(ids.Count + 4);
        foreach (var item in _single)
            if (item == null) result.AddRange(ids);
            else result.AddRange(item);
        return result.ToArray();
    }
}

/// <summary>BertProcessing / RobertaProcessing single sequence: [cls] A [sep].</summary>
internal sealed class ClsSepPostProcessor(int clsId, int sepId) : IPostProcessor
{
    public int[] Process(List<int> ids, bool addSpecialTokens) =>
        addSpecialTokens ? [clsId, .. ids, sepId] : ids.ToArray();
}

internal sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> steps) : IPostProcessor
{
    public int[] Process(List<int> ids, bool addSpecialTokens)
    {
        foreach (var step in steps) ids = [.. step.Process(ids, addSpecialTokens)];
        return ids.ToArray();
    }
}
