import { getMediaFields, getModelInputs, searchModels } from './modelCatalogue';

export const listSearch = { searchModels };
export const loadOptions = { getMediaFields };
export const resourceMapping = { getModelInputs };
