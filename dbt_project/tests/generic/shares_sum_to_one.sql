{#- Fails for every group whose shares do not add up to 1 (within tolerance). -#}
{% test shares_sum_to_one(model, column_name, group_by, tolerance=1e-9) %}
select
    {{ group_by | join(', ') }},
    sum({{ column_name }}) as total_share,
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - 1) > {{ tolerance }}
{% endtest %}
